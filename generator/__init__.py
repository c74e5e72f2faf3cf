"""The evaljobs code generator: schemas/ in, generated/evaljobs/ out.

Pipeline (one module each): discover -> loading -> checks -> normalize -> models (datamodel-code-generator)
+ render (jinja2 templates) -> output (staged, gated, swapped in atomically).
"""
