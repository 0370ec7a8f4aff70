"""shuangsuiji (双随机): 一单两库 registry, verifiable draws and the public site.

Layered sub-packages, lowest first: core ← registry ← draw ← analysis ← privacy ← site ←
synth ← cli (ARCHITECTURE.md; tests/test_layers.py holds the imports to it).
"""

__version__ = "0.1.0"
