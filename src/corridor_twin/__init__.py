"""corridor-twin: a digital twin of multimodal freight corridors."""

__version__ = "0.1.0"
