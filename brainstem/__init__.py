"""brainstem: an operational memory for MSPs and ops teams."""
__version__ = "0.1.0"
