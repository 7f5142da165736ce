import os

# Tests run with the development switches (no HTTPS redirects); the production
# switches are checked by tests/test_deploy.py in a separate process.
os.environ.setdefault("DJANGO_DEBUG", "1")
