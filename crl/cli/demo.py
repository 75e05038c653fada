"""`crl demo`: the end-to-end run on the embedded default, writing a report folder."""
from __future__ import annotations

import argparse
from dataclasses import fields, replace
from pathlib import Path


def register(subparsers) -> None:
    from crl.demo import DemoSettings

    defaults = DemoSettings()
    parser = subparsers.add_parser(
        "demo",
        help="the end-to-end demo: scene -> encoder -> graph -> counterfactual images -> report",
        description="Generate a scene, train an encoder from pairs and a few labels, discover the graph, answer an "
        "interventional and a counterfactual query, score them against the scene's ground truth and write a report. "
        "The default takes about five minutes on two CPU cores.",
    )
    parser.add_argument("--out", type=Path, default=Path("crl-demo"), help="report folder (default ./crl-demo)")
    parser.add_argument("--quick", action="store_true", help="a tiny smoke run (seconds); its figures mean little")
    for field in fields(DemoSettings):
        value = getattr(defaults, field.name)
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=type(value), default=None, help=f"default {value}")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from crl.demo import DemoSettings, run_demo

    settings = DemoSettings().quick() if args.quick else DemoSettings()
    overrides = {f.name: getattr(args, f.name) for f in fields(DemoSettings) if getattr(args, f.name) is not None}
    settings = replace(settings, **overrides)
    summary = run_demo(args.out, settings)
    print(f"scene {settings.scene}: learned edges {summary['learned_edges']} (true {summary['true_edges']}), "
          f"SHD {summary['shd']}")
    print(
        f"counterfactual do({summary['do']}): image MSE {summary['cf_mse']:.4f}, SSIM {summary['cf_ssim']:.3f}; "
        f"oracle-read error: intervened {summary['cf_error_intervened']:.3g}, descendants {summary['cf_error_descendants']:.3g}, "
        f"non-descendants {summary['cf_error_nondescendants']:.3g} (in factor stds); "
        f"{summary['cf_share_in_support']:.0%} of the images inside the data, "
        f"intervened {summary['cf_error_intervened_in_support']:.3g} there"
    )
    print(f"concept MCC {summary['mcc']:.3f}; {summary['seconds']['total']:.0f} s; report: {args.out / 'report.md'}")
    return 0
