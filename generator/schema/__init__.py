"""The schema model: a spec read once into typed nodes, which every emitter reads (see ARCHITECTURE.md)."""

from generator.schema.model import SchemaModel, build

__all__ = ["SchemaModel", "build"]
