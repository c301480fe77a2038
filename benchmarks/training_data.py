"""Training-data creation for the flight-delay feature view, against two baselines.

For the full year (x1) and the year replicated ten times (x10, about 3.4 million flights),
each in its own fresh local feature store, this measures in one run:

- product query: the feature view's query read point-in-time (``Query.read``), the frame
  training data is made of;
- product training data: ``FeatureView.train_test_split`` on the use case's time split
  (query, split, statistics fitted on the train split, transformations applied);
- bare DuckDB: one hand-written chain of ASOF joins over the same Delta tables, delivered
  as the same pandas frame in the same order: the floor of what DuckDB can do;
- pandas chain: ``pd.merge_asof`` per joined group on the in-memory frames.

It asserts that all three joined frames hold the same values, then prints rows per second
and the ratios. ``--shift`` gives every copy its own departure times (copy c departs c
seconds later), so no two copies share a (origin, departure time) pair.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    assert_same_frame,
    feature_frames,
    fresh_folder,
    machine,
    measure,
    peak_rss_gib,
    replicate_flights,
)
from pandas_chain import training_frame_pandas

from mlops_assets.featurestore import connect
from mlops_assets.featurestore.local.query import _pandas_type
from mlops_assets.flight_delays import feature_groups as groups


def build_store(frames, flights: pd.DataFrame, name: str):
    """A fresh local feature store holding the feature groups, and the feature view."""
    store = connect(root=fresh_folder(name))
    specs = [groups.FLIGHTS, groups.WEATHER, *groups.TRAFFIC.values(), groups.PLANES]
    data = [flights, frames.weather, *frames.traffic.values(), frames.planes]
    for spec, frame in zip(specs, data, strict=True):
        spec.get_or_create(store).insert(frame)
    return store, groups.get_or_create_feature_view(store)


def bare_query(store, frames) -> pd.DataFrame:
    """The same joined frame from one plain DuckDB ASOF-join chain over the Delta tables."""
    with duckdb.connect() as connection:
        connection.execute("SET TimeZone = 'UTC'")
        connection.execute("SET asof_loop_join_threshold = 0")  # as the product does
        names = {"f": "flights", "w": "weather", "p": "planes"}
        names |= {f"t{w}": f"airport_traffic_{w}" for w in frames.traffic}
        for alias, name in names.items():
            connection.register(alias, store.get_feature_group(name, 1)._offline.dataset())
        traffic_columns = ["departures", "mean_dep_delay", "pending_departures"]
        select = ["f.* EXCLUDE (flight)", "w.* EXCLUDE (origin, time_hour)"]
        joins = ["ASOF LEFT JOIN w ON f.origin = w.origin AND f.scheduled_departure >= w.time_hour"]
        for window in frames.traffic:
            t = f"t{window}"
            select += [f'{t}."{c}" AS "traffic_{window}_{c}"' for c in traffic_columns]
            joins.append(
                f"ASOF LEFT JOIN {t} ON f.origin = {t}.origin "
                f"AND f.scheduled_departure >= {t}.window_end"
            )
        select.append("p.* EXCLUDE (tailnum)")
        joins.append("LEFT JOIN p ON f.tailnum = p.tailnum")
        sql = (
            f"SELECT {', '.join(select)} FROM f {' '.join(joins)} "
            "ORDER BY f.scheduled_departure, f.flight_id"
        )
        table = connection.sql(sql).to_arrow_table()
    return table.to_pandas(types_mapper=_pandas_type)


def pandas_frame(frames, flights: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = training_frame_pandas(flights, frames.weather, frames.traffic, frames.planes)
    return frame[columns]


def run(frames, copies: int, shift: bool, repeat: int) -> dict:
    label = f"x{copies}{' shifted' if shift else ''}"
    flights = replicate_flights(frames.flights, copies, shift)
    print(f"\n{label}: {len(flights):,} flights", flush=True)
    store, view = build_store(frames, flights, f"training_data_{label.replace(' ', '_')}")
    rows = len(flights)
    product, product_frame = measure(f"{label} product query", view.query.read, repeat, rows)
    split = {
        "train_start": groups.TRAIN_START,
        "train_end": groups.TRAIN_END,
        "test_start": groups.TRAIN_END,
        "test_end": groups.TEST_END,
    }
    training, _ = measure(
        f"{label} product training data (split + transform)",
        lambda: view.train_test_split(**split),
        repeat,
        lambda result: len(result[0]) + len(result[1]),
    )
    bare, bare_frame = measure(
        f"{label} bare DuckDB ASOF chain", lambda: bare_query(store, frames), repeat, rows
    )
    chain, chain_frame = measure(
        f"{label} pandas merge_asof chain",
        lambda: pandas_frame(frames, flights, list(product_frame.columns)),
        repeat,
        rows,
    )
    assert_same_frame(product_frame, bare_frame, f"{label} product vs bare DuckDB")
    assert_same_frame(product_frame, chain_frame, f"{label} product vs pandas chain")
    print(f"  frames equal: product = bare DuckDB = pandas chain ({rows:,} rows)")
    figures = {
        "label": label,
        "rows": rows,
        "product": product,
        "training": training,
        "bare": bare,
        "chain": chain,
    }
    print(
        f"  product/bare {product.best / bare.best:.2f}x "
        f"(median {product.median / bare.median:.2f}x), "
        f"product/pandas {product.best / chain.best:.2f}x, "
        f"product {product.rows_per_second() / 1e6:.2f} M rows/s",
        flush=True,
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--shift", action="store_true", help="also run shifted copies")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"machine: {machine()}")
    frames = feature_frames()
    results = [run(frames, copies, False, args.repeat) for copies in args.copies]
    if args.shift:
        results += [run(frames, c, True, args.repeat) for c in args.copies if c > 1]
    print("\nsummary (best of runs; targets at x10: <= 1.5x bare, < 1x pandas, >= 0.5 M rows/s)")
    for r in results:
        print(
            f"  {r['label']:<12} {r['rows']:>10,} rows  product {r['product'].best:6.2f} s "
            f"({r['product'].rows_per_second() / 1e6:.2f} M rows/s)  bare {r['bare'].best:6.2f} s  "
            f"pandas {r['chain'].best:6.2f} s  product/bare "
            f"{r['product'].best / r['bare'].best:.2f}x  product/pandas "
            f"{r['product'].best / r['chain'].best:.2f}x  training data "
            f"{r['training'].best:6.2f} s"
        )
    print(f"peak memory of this process: {peak_rss_gib():.2f} GiB")


if __name__ == "__main__":
    main()
