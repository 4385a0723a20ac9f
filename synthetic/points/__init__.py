"""The supervision points; importing this package registers every implemented point."""

from synthetic.points import env_tax  # noqa: F401  (registers itself)

__all__ = ["env_tax"]
