"""The subcommands of ``evaljobs`` (``evaljobs.cli``), one module each: ``validate``, ``suggest``, ``mock``,
``proxy``, ``watch`` and ``schemas``. Each has ``add_parser(subparsers)``, which sets ``run(args) -> int``."""
