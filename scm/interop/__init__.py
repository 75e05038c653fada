"""Exchange fitted SCMs with dowhy.gcm and pgmpy, so their queries can cross-check ours.

Submodules load their library on import: `scm.interop.dowhy`, `scm.interop.pgmpy`.
"""
