"""The local backend speaks the Hopsworks SDK's API: every public method it shares with
``hsfs`` takes the same parameters under the same names at the same positions, and whatever
it has that the SDK lacks is a deliberate, listed extension.

The SDK (``hsfs``, installed with ``hopsworks``) is imported once for this module, with the
network switched off: these tests read signatures only, they never log in.
"""

from __future__ import annotations

import importlib
import inspect
import socket
from unittest import mock

import pytest

from mlops_assets import featurestore
from mlops_assets.featurestore import transformations
from mlops_assets.featurestore.local.feature_group import FeatureGroup
from mlops_assets.featurestore.local.feature_store import FeatureStore
from mlops_assets.featurestore.local.feature_view import FeatureView
from mlops_assets.featurestore.local.query import Query

# Our class -> the SDK class it mirrors, as "module:Class".
COUNTERPARTS = {
    FeatureStore: "hsfs.feature_store:FeatureStore",
    FeatureGroup: "hsfs.feature_group:FeatureGroup",
    Query: "hsfs.constructor.query:Query",
    FeatureView: "hsfs.feature_view:FeatureView",
}

# Everything public of ours that the SDK does not have: "Class.member" for a whole member,
# "Class.method(parameter)" for a parameter. Each needs a reason; anything else that differs
# from the SDK is an accidental divergence and fails the tests below.
LOCAL_EXTENSIONS = {
    "FeatureGroup.label": (
        "'feature group <name> v<version>', the prefix of every error message about the group"
    ),
    "FeatureView.label": "'feature view <name> v<version>', the prefix of its error messages",
    "FeatureView.definition": (
        "static helper the feature store calls to check and normalise a new view's definition "
        "(the SDK does this server-side)"
    ),
    "FeatureView.require_same": (
        "static helper enforcing immutability: get_or_create_feature_view raises "
        "DefinitionConflictError where the SDK silently returns the stored version"
    ),
    "Query.from_dict": (
        "rebuilds a query from its to_dict() form stored in the catalog (the SDK rebuilds "
        "queries from the server's JSON with from_response_json)"
    ),
    "FeatureGroup.get_expectation_suite_history": (
        "every suite saved for the group, so a replaced suite stays on record (Hopsworks keeps "
        "only the current one)"
    ),
    "FeatureGroup.get_validation_reports": (
        "reports filtered by ingestion result and validation time; the SDK filters only per "
        "expectation, through get_validation_history"
    ),
    "FeatureGroup.validation_ingestion_policy": (
        "the attached suite's policy; the SDK keeps it on its own ExpectationSuite wrapper"
    ),
    "FeatureView.train_test_split(seed)": (
        "the SDK's in-memory split takes no seed (only create_train_test_split does); locally "
        "the seed is recorded so an in-memory training dataset can be re-read identically"
    ),
}


def _load(path: str) -> type:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


@pytest.fixture(scope="module")
def sdk() -> dict[type, type]:
    """The SDK classes, imported with name resolution and connections made to fail."""

    def offline(*args, **kwargs):
        raise AssertionError("importing the Hopsworks SDK tried to reach the network")

    with (
        mock.patch.object(socket.socket, "connect", offline),
        mock.patch.object(socket, "getaddrinfo", offline),
        mock.patch.object(socket, "create_connection", offline),
    ):
        classes = {ours: _load(path) for ours, path in COUNTERPARTS.items()}
        builtins = importlib.import_module("hsfs.builtin_transformations")
    return {**classes, "builtin_transformations": builtins}


def public_members(cls: type) -> list[str]:
    return sorted(name for name in dir(cls) if not name.startswith("_"))


MEMBERS = [
    pytest.param(cls, name, id=f"{cls.__name__}.{name}")
    for cls in COUNTERPARTS
    for name in public_members(cls)
]


def is_property(cls: type, name: str) -> bool:
    return isinstance(inspect.getattr_static(cls, name), property)


def named_parameters(function) -> list[inspect.Parameter]:
    """Parameters a caller can name, ``self`` included so positions compare as written."""
    return [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]


@pytest.mark.parametrize(("cls", "name"), MEMBERS)
def test_each_public_member_is_in_the_sdk_or_a_listed_extension(sdk, cls, name):
    key = f"{cls.__name__}.{name}"
    in_sdk = hasattr(sdk[cls], name)

    if key in LOCAL_EXTENSIONS:
        assert not in_sdk, f"{key} is listed as a local extension but the SDK has it too"
        return
    assert in_sdk, f"{key} is not in {COUNTERPARTS[cls]}; list it in LOCAL_EXTENSIONS or drop it"
    assert is_property(cls, name) == is_property(sdk[cls], name), (
        f"{key} is a {'property' if is_property(cls, name) else 'method'} locally "
        "but not in the SDK"
    )


def shared_methods() -> list:
    return [
        p
        for p in MEMBERS
        if f"{p.values[0].__name__}.{p.values[1]}" not in LOCAL_EXTENSIONS
        and not is_property(*p.values)
    ]


@pytest.mark.parametrize(("cls", "name"), shared_methods())
def test_each_shared_method_takes_the_sdks_parameters(sdk, cls, name):
    ours = named_parameters(getattr(cls, name))
    theirs = {p.name: (i, p) for i, p in enumerate(named_parameters(getattr(sdk[cls], name)))}
    key = f"{cls.__name__}.{name}"

    for position, parameter in enumerate(ours):
        extension = f"{key}({parameter.name})"
        if extension in LOCAL_EXTENSIONS:
            assert parameter.name not in theirs, f"{extension} is listed but the SDK has it"
            continue
        assert parameter.name in theirs, (
            f"{key}: parameter {parameter.name!r} is not in the SDK's signature "
            f"{list(theirs)}; rename it or list {extension} in LOCAL_EXTENSIONS"
        )
        sdk_position, sdk_parameter = theirs[parameter.name]
        if parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
            assert sdk_parameter.kind is parameter.POSITIONAL_OR_KEYWORD
            assert position == sdk_position, (
                f"{key}: positional parameter {parameter.name!r} is at position {position} "
                f"locally and {sdk_position} in the SDK; reorder it or make it keyword-only"
            )
        elif parameter.kind is parameter.KEYWORD_ONLY:
            assert sdk_parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
        else:
            pytest.fail(f"{key}: positional-only parameter {parameter.name!r}")

    ours_names = {p.name for p in ours}
    required = [
        p.name for _, p in theirs.values() if p.default is p.empty and p.name not in ours_names
    ]
    assert required == [], f"{key}: the SDK requires {required}, which we lack"


def test_listed_parameter_extensions_name_real_parameters():
    for key in LOCAL_EXTENSIONS:
        if "(" not in key:
            continue
        member, parameter = key.rstrip(")").split("(")
        class_name, method = member.split(".")
        cls = next(c for c in COUNTERPARTS if c.__name__ == class_name)
        assert parameter in inspect.signature(getattr(cls, method)).parameters, key


def test_builtin_transformation_functions_exist_in_the_sdk(sdk):
    builtins = sdk["builtin_transformations"]

    assert transformations.BUILTIN_FUNCTIONS == (
        "label_encoder",
        "one_hot_encoder",
        "standard_scaler",
        "min_max_scaler",
        "robust_scaler",
    )
    for name in transformations.BUILTIN_FUNCTIONS:
        assert getattr(builtins, name).function_name == name
        # the package exports a factory of the same name, used as in hsfs: name("feature")
        assert getattr(featurestore, name)("distance") == transformations.TransformationFunction(
            name, "distance"
        )
