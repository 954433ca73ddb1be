"""衔接终端: the desktop terminal of the 两法衔接 information-sharing platform."""

__version__ = "0.1.0"
