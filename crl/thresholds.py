"""crl's numeric thresholds in one place, each with the reason it has its value.

The pipeline stages (`crl.pipeline`), the concept checks (`crl.concepts`, `crl.readback`) and
`CausalModel`'s defaults read them from here, so that a reader finds every cut the model makes,
and why, on one screen.
"""
from __future__ import annotations

# ----------------------------------------------------------------- labels and concept calibration
# A label column with fewer values than this cannot calibrate its concept (a line through a handful of
# points); `ConceptMap.fit` refuses it, and the held-out check is skipped rather than leave it fewer.
MIN_LABELLED_ROWS = 5
# Share of the labelled rows kept from the encoder and the calibration to measure how well each concept
# reads images whose labels it never saw: a fifth leaves four fifths to calibrate on and, at the usual 100
# labels, 20 held-out rows, enough for the fit and the read-through F-test to judge.
LABEL_HOLDOUT = 0.2
# Fewer held-out labelled rows than this measure nothing; the held-out checks are skipped.
MIN_HELD_OUT = 10

# ----------------------------------------------------------------- held-out concept checks
# A concept that explains under half of its held-out labels' variation (R^2 on absolute errors, or kappa for
# a category) is more estimation error than concept: discovery makes no claim about it (`ModelNotes.unmeasured`).
MIN_CONCEPT_FIT = 0.5
# A concept whose held-out readings other concepts' labels explain, beyond its own label and its ancestors'
# labels, by at least this share of their variance (an F-test significant at READ_THROUGH_ALPHA) is read
# through those concepts: inferred from where its descendants sit rather than seen. Measured on fits of
# pendulum, flow and causal_sprites: 0.24-0.38 (p < 1e-7) for a sprite's orientation read from its child's
# position; at most 0.055 for concepts read directly; a sprite's shape read partly from the child it shifts
# 0.11-0.17 (p < 1e-14) with 200 held-out rows, 0.13-0.14 with 20 (p 0.07-0.32: not judged read through).
MIN_READ_THROUGH = 0.1
READ_THROUGH_ALPHA = 0.01
# Fewer held-out rows than regressors + 5 leave the read-through test too weak to judge.
MIN_RESIDUAL_DF = 5
# Of the other concepts that explain a read-through concept's readings, those that explain at least this
# share of the strongest one's part are named as what it is read through.
READ_THROUGH_NAMED_SHARE = 0.5

# ----------------------------------------------------------------- read-back
# A concept is queryable alone when its decoded images carry at least half of an asked change: under
# that, do() on it leaves the images closer to what they were than to what was asked.
MIN_CARRIED = 0.5
# Training images the read-back check decodes and re-encodes: enough for a stable mean over the
# permuted values of each concept, few enough to cost seconds.
READBACK_IMAGES = 500

# ----------------------------------------------------------------- discovery
# Edges that only the observational method vouches for (concepts the pairs do not vary) stay where at
# least this share of bootstrap resamples find the two adjacent: scm.bootstrap's consensus threshold.
MIN_BOOTSTRAP_ADJACENCY = 0.5

# ----------------------------------------------------------------- counterfactual images
# A counterfactual keeps each image's residual (what the decoder does not reproduce, `crl.residual`) where the
# decoded picture stays, fading it out as a pixel's decoded change grows to this share of the pixel range. It lies
# above the residual's own 99th percentile on four of five random tuning scenes measured (0.02-0.07 of the range on
# seeds 0, 3, 5, 6; 0.15 on seed 8), so a larger change is a redrawing, not the decoder's error.
RESIDUAL_FADE = 0.1
