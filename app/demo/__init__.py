"""The demo world: PKI, the embedded platform, three agencies' terminals, seeded cases and the scripted scenario.

No Qt here: ``lianjie demo`` (app/commands/demo.py) builds the world with this package and then opens the window;
``lianjie demo --headless`` runs the scenario only.
"""
