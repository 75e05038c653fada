"""Causal discovery from paired tables: what changes together reveals ancestors.

`changes` calls which columns changed in each pair, `ancestors` reads the ancestral relation from
their co-occurrence, `direct` tests whether an ancestor is a direct parent, `discover` puts them
together (`scm.discover_from_pairs`), and `unseen` completes the graph around columns the pairs
never vary (`scm.add_unseen_edges`).
"""
