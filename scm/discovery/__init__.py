"""Discovery methods, one module per family; `scm.discover` dispatches to them by name.

Each method is a function (values, names, knowledge, *, options) -> networkx.DiGraph over
already validated data; users call `scm.discover(data, method=...)`.
"""
