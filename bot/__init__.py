"""citebot's front ends: settings, the command line and the Telegram adapter."""
