"""shuangsuiji (双随机): 一单两库 registry, verifiable draws and the public site.

The pipeline, one module (or package) per stage:
load → validate → draw → redact → render → index → feeds → write.
"""

__version__ = "0.1.0"
