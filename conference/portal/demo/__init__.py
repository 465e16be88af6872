"""
The demo conference of `manage.py seed_demo`: its cast and programme
(`data`), the seed (`seed`) and the synthetic volume of `--scale large`
(`large`).
"""
