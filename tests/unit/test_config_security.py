"""Issue 7.7: XSRF on, upload limit set, no secrets committed."""
import subprocess
import tomllib

from helpers import ROOT


def test_streamlit_config_keeps_xsrf_and_an_upload_limit():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert 0 < config["server"]["maxUploadSize"] <= 1024


def test_no_secrets_file_is_tracked_and_it_is_ignored():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout (e.g. an sdist): nothing to check
        return
    assert ".streamlit/secrets.toml" not in tracked and ".streamlit/secrets.toml.example" in tracked
    ignored = subprocess.run(["git", "check-ignore", ".streamlit/secrets.toml"], cwd=ROOT, capture_output=True, text=True)
    assert ignored.returncode == 0
    for path in tracked:
        if path.endswith((".toml", ".env", ".cfg", ".ini")) and "example" not in path:
            text = (ROOT / path).read_text(errors="ignore").lower()
            assert "client_secret" not in text and "cookie_secret" not in text, path
