"""Every numeric threshold of scm, each with the reason for its value.

Functions take these as defaults; change a number here and every caller follows.
"""
from __future__ import annotations

# ---------------------------------------------------------------- tables
# A column of whole numbers with at most this many distinct values is discrete (a category read
# out as a class code), the cutoff labels use too. `scm.SCM(max_categories=...)` overrides it.
MAX_LEVELS = 20

# ---------------------------------------------------------------- observational discovery
# PC's significance level: causal-learn's and the literature's default.
PC_ALPHA = 0.05
# NOTEARS, NOTEARS-MLP and DAGMA drop weights below this: the authors' published default.
WEIGHT_THRESHOLD = 0.3
# DirectLiNGAM keeps an edge whose standardised coefficient |b| sd(cause) / sd(effect) reaches this,
# a cut that does not depend on the units of the columns.
LINGAM_THRESHOLD = 0.05
# `scm.bootstrap` keeps a pair in its consensus graph when most resamples find it adjacent.
CONSENSUS = 0.5

# ---------------------------------------------------------------- mechanisms
# `mechanisms="auto"` keeps an MLP only when its held-out MSE is below (1 - SELECTION_MARGIN) times
# the linear one: the simpler model wins ties and near-ties.
SELECTION_MARGIN = 0.05

# ---------------------------------------------------------------- pairs: which columns changed
# |delta| at or below this many column stds is an exact zero.
EXACT_TOL = 1e-9
# Share of exact zeros that marks a column measured without error.
EXACT_SHARE = 0.01
# Truncation point of the noise-scale fit, in noise scales.
TRUNCATE = 2.5
# |delta| above CHANGED noise scales is a change (0.3% false calls); at or below STILL it is "clearly
# still" (68% of unchanged pairs, but few real changes fall so low); the band between is undecided.
CHANGED, STILL = 3.0, 1.0
# A change must also reach MIN_RELATIVE of the column's REAL_QUANTILE-th percentile change: an
# encoder's leak of one variable into another's latent is systematic, not noise, and would
# otherwise read as a causal effect; effects below that share are not seen.
MIN_RELATIVE, REAL_QUANTILE = 0.1, 0.9

# ---------------------------------------------------------------- pairs: ancestors
# i is an ancestor of j when j stands still in at most this share of i's own changes, on exact
# tables too: saturating mechanisms (a clipped shadow length) leave descendants still in some of
# their ancestors' changes. Chosen from a grid {0.15, 0.2, 0.25} on simulated ER graphs (d 4-8,
# estimation error 0.15 and 0.3).
MAX_MISS = 0.25
# k is a candidate ancestor of i (to be held still when judging i's descendants) below this miss.
CANDIDATE_MISS = 0.35
# A clear change is one in the upper part of a column's detected changes, above this quantile.
CLEAR_QUANTILE = 0.5
# Fewer clear changes than this leave i's descendants undecidable (no ancestry is claimed); with
# fewer own changes than this, all of i's clear changes are used.
MIN_CHANGES = 10

# ---------------------------------------------------------------- pairs: direct edges
# Significance level of the direct-edge test.
PAIRS_ALPHA = 0.01
# The direct-edge test calls an ancestor a parent only if, besides p < alpha, its features carry
# at least this share of the child's variance: smaller effects are within what a degree-3
# polynomial's misfit of a smooth mechanism, or an encoder's systematic error shared by a pair's two
# images, can produce, so they are reported as undecided. Chosen from a grid {0.01, ..., 0.05} on
# 120 simulated ER graphs (d 4-15, estimation error 0.15 and 0.3, linear and nonlinear): total SHD
# 563 at 0.01, 517 at 0.03, 511 at 0.05; 0.03 takes most of the gain.
MIN_EFFECT = 0.03
# Pairs needed per column (default `min_pairs`), and per regression feature of the direct-edge
# test (fewer: the test is skipped as untestable), for stable change rates and regressions.
PAIRS_PER_COLUMN = 10
PAIRS_PER_FEATURE = 10

# ---------------------------------------------------------------- edges checked on known values
# `scm.edge_check`: an edge of a graph discovered on estimated variables stays only if the rows with
# known values (labels) give evidence for it at this level. The conventional 5%: a true edge needs
# little evidence to stay, and an edge without effect stays in 5% of cases. On the generality suite's
# tuning scenes 0 and 2 (100 exact labels, five fits at 600-3000 encoder steps) the true edges'
# p-values were 0.001 or less, the extra edges' (leaks, ancestors taken for parents) 0.14 or more;
# the pendulum's four true edges, under 1e-50.
EDGE_CHECK_ALPHA = 0.05
# The fewest residual degrees of freedom an edge check runs with; fewer complete rows: no check.
EDGE_CHECK_MIN_DF = 10

# ---------------------------------------------------------------- pairs: unseen columns
# A substantial change moves a column by at least this share of its spread across the rows. A
# resampled root moves so in 86% of its changes (|N(0, 2)| > 0.25); leaks into a never-varied
# concept stayed below it in 98.5-100% of pairs (pendulum's light, flow's hole).
SPREAD_SHARE = 0.25
# Unseen: moved substantially in under this share of the pairs that the median other column is.
# Varied columns of the pendulum, flow and causal_sprites concept tables reach 0.54 or more of
# the median; never-varied ones 0.0 (light) and 0.03 (hole). On 16 random graphs with every
# variable varied (d 20-50, one source per pair, estimation error 0.15) no column was set aside.
RELATIVE_SHARE = 0.1

# ---------------------------------------------------------------- queries: the data's support
# An intervened value is inside the data when the noise it implies (value - f(parents)) lies
# between these quantiles of the node's fitted residuals: at least this share of the training rows
# lay as far from their parents' prediction on each side. Outside, the images must extrapolate.
SUPPORT_QUANTILE = 0.01
