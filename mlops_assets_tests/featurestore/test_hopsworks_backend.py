"""The Hopsworks backend: never prompts, imports the SDK only when chosen, and logs in with
arguments the real SDK accepts."""

import inspect
import subprocess
import sys
import textwrap

import pytest

from mlops_assets import featurestore
from mlops_assets.featurestore import FeatureStoreError


def test_local_backend_never_imports_the_hopsworks_sdk(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        from mlops_assets import featurestore
        featurestore.connect(root={str(tmp_path)!r})
        assert "hopsworks" not in sys.modules and "hsfs" not in sys.modules
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=120)


def test_without_an_api_key_it_fails_at_once_instead_of_prompting():
    # stdin is closed: a password prompt would fail or hang, and the timeout would show it.
    script = textwrap.dedent("""
        import sys
        from mlops_assets import featurestore
        try:
            featurestore.connect("hopsworks", host="example.invalid", project="p")
        except featurestore.FeatureStoreError as error:
            print(error)
        assert "hopsworks" not in sys.modules
    """)
    result = subprocess.run(
        [sys.executable, "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "needs an API key" in result.stdout
    assert "HOPSWORKS_API_KEY" in result.stdout


def test_missing_host_or_project_is_named():
    with pytest.raises(FeatureStoreError, match="host=None"):
        featurestore.connect("hopsworks", api_key="secret", project="p")


def test_unknown_backend_is_rejected():
    with pytest.raises(FeatureStoreError, match="unknown feature-store backend 'spark'"):
        featurestore.connect("spark")


def test_login_arguments_are_accepted_by_the_real_sdk(monkeypatch):
    import hopsworks

    real_signature = inspect.signature(hopsworks.login)
    calls = []

    class Project:
        def get_feature_store(self):
            return "the project's feature store"

    def login(*args, **kwargs):
        real_signature.bind(*args, **kwargs)  # raises TypeError on anything the SDK rejects
        calls.append(kwargs)
        return Project()

    monkeypatch.setattr(hopsworks, "login", login)
    store = featurestore.connect(
        "hopsworks", host="c.example", project="flights", api_key="secret", port=8181
    )
    assert store == "the project's feature store"
    assert calls == [
        {"host": "c.example", "port": 8181, "project": "flights", "api_key_value": "secret"}
    ]
