"""Validating payloads against the specs' schemas: two engines, and the models as the reference.

- ``validator``: ``Validator`` and ``validate()``, which ask the engines in turn (see its docstring);
- ``targets``: the schemas a payload can be validated against, with each one's native scanner check;
- the native scanner (the C module ``_evaljobs_scan``, its programs in ``evaljobs._scanner_programs``): a
  yes or no without building a Python object;
- ``walk``: strict decoding (``decode``, ``duplicates``), then every error and drift with its JSON pointer,
  following the programs of ``evaljobs._walk_programs``;
- ``reference``: the pydantic models, only where the walk cannot word an error;
- ``detection``: which schemas a payload shows it is one of, when none is named;
- ``request_checks``: a captured exchange's request (a HAR entry's) against its operation: its parameters, and
  its JSON body through the validator.
"""
