"""Random scenes: a random causal graph over 2..8 factors, random mechanisms and a random procedural renderer.

`random_scene(seed)` draws one; the same seed always gives the same scene. Modules: `graphs` (random DAGs),
`mechanisms` (random root marginals and parent -> child functions), `layout` (objects and which factor drives
which attribute), `render` (the renderer), `builder` (the scene and its description).
"""
from crl.scenes.random.builder import RandomScene, RandomSceneSpec, random_scene

__all__ = ["RandomScene", "RandomSceneSpec", "random_scene"]
