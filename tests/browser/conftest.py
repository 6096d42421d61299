"""Fixtures of the real-browser tests: JupyterLab from this environment, driven by Chromium.

``lab`` starts JupyterLab on 127.0.0.1 (free port, random token, its own temporary
config, data, runtime and IPython folders, its own process group) on a temporary
copy of the notebooks under test, opens it in Debian's Chromium through
Playwright, and records console errors and every request to another host.  The
server is stopped in all cases.  Screenshots go to a folder printed at the end of
the run; with ``CRMLAB_SCREENSHOTS=docs/screenshots`` the README pictures are
also copied there.

Without Chromium (``/usr/bin/chromium``, or ``CRMLAB_CHROMIUM``) or the
``playwright`` package the tests are skipped, unless ``CI`` is set: CI must run them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CHROMIUM = Path(os.environ.get("CRMLAB_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
LOCAL_HOSTS = {"127.0.0.1"}
# The notebooks under test, copied into a temporary root (so running them in the
# browser can never change or add a file in the repository): path there -> source.
NOTEBOOKS = {
    "notebooks/00_welcome.ipynb": ROOT / "notebooks" / "00_welcome.ipynb",
    "exercises/00_warmup.ipynb": ROOT / "exercises" / "00_warmup.ipynb",
    "exercises/zh/00_warmup.ipynb": ROOT / "exercises" / "zh" / "00_warmup.ipynb",  # 中文版
    "slider_fixture.ipynb": HERE / "slider_fixture.ipynb",
}
# Pictures for the README, copied to $CRMLAB_SCREENSHOTS when it is set.
README_PICTURES = ("welcome-notebook.png", "exercise-feedback.png", "class-report.png")

# The fixture notebook is data for the browser test, not a notebook for nbval.
collect_ignore_glob = ["*.ipynb"]

_SHOTS = pytest.StashKey[Path]()


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing() -> str:
    problems = []
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        problems.append(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is missing (pip install -e '.[dev]')")
    return "; ".join(problems)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def pytest_terminal_summary(terminalreporter, config):
    shots = config.stash.get(_SHOTS, None)
    if shots is not None:
        terminalreporter.write_line(f"browser test screenshots: {shots}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


class LabServer:
    """JupyterLab in a subprocess of its own process group, on a temporary root."""

    def __init__(self, base: Path):
        self.base = base
        self.root = base / "workbook"
        self.port = _free_port()
        self.token = secrets.token_hex(16)
        self.progress = base / "crmlab-progress.json"
        self.log_path = base / "jupyterlab.log"
        self.proc: subprocess.Popen | None = None

    def prepare(self) -> None:
        for rel, src in NOTEBOOKS.items():
            (self.root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, self.root / rel)
        config = self.base / "config"
        # No "get notified about Jupyter news?" toast; no autosave; every cell in the DOM.
        _write_json(config / "labconfig" / "page_config.json",
                    {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}})
        settings = config / "lab" / "user-settings" / "@jupyterlab"
        _write_json(settings / "docmanager-extension" / "plugin.jupyterlab-settings",
                    {"autosave": False})
        _write_json(settings / "notebook-extension" / "tracker.jupyterlab-settings",
                    {"windowingMode": "none"})

    def env(self) -> dict:
        env = dict(os.environ)
        for name in ("JUPYTER_PATH", "JUPYTER_CONFIG_PATH", "MPLBACKEND", "JUPYTER_TOKEN"):
            env.pop(name, None)
        env.update(
            JUPYTER_CONFIG_DIR=str(self.base / "config"),
            JUPYTER_DATA_DIR=str(self.base / "data"),
            JUPYTER_RUNTIME_DIR=str(self.base / "runtime"),
            IPYTHONDIR=str(self.base / "ipython"),
            CRMLAB_PROGRESS=str(self.progress),  # never a progress file in exercises/
            CRMLAB_DATASETS=str(ROOT / "datasets"),
            PYDEVD_DISABLE_FILE_VALIDATION="1",
        )
        return env

    def start(self, timeout: float = 90) -> None:
        self.prepare()
        cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
               f"--port={self.port}", "--ServerApp.port_retries=0",
               f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.expose_app_in_browser=True", "--ServerApp.terminals_enabled=False"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--allow-root")
        # open for the server's lifetime, closed in stop()
        self._log = open(self.log_path, "w", encoding="utf-8")  # noqa: SIM115
        self.proc = subprocess.Popen(cmd, cwd=self.root, env=self.env(), stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + timeout
        request = urllib.request.Request(f"{self.url}/api/status",
                                         headers={"Authorization": f"token {self.token}"})
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited with code {self.proc.returncode}:\n"
                                   + self.log_tail())
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not answer within {timeout:.0f} s:\n"
                                   + self.log_tail())
            time.sleep(0.25)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Stop the server, its process group and its kernels (own sessions), whatever happens."""
        proc = self.proc
        if proc is None:
            return
        children = []
        with contextlib.suppress(Exception):  # psutil comes with ipykernel
            import psutil

            children = psutil.Process(proc.pid).children(recursive=True)
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            if proc.poll() is not None:
                break
            try:
                if hasattr(os, "killpg"):
                    os.killpg(proc.pid, sig)
                else:
                    proc.send_signal(sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(wait)
            except subprocess.TimeoutExpired:
                continue
        for child in children:  # kernels run in sessions of their own
            with contextlib.suppress(Exception):
                child.kill()
        if hasattr(os, "killpg"):
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # anything left in the group
            except (ProcessLookupError, PermissionError):
                pass
        self._log.close()
        self.proc = None


# JavaScript: the notebook panel open on `path` (argument p), as `w`.
_FIND = ("const w = [...window.jupyterapp.shell.widgets('main')]"
         ".find(x => x.context && x.context.path === p);")


class Lab:
    """The page with JupyterLab, and helpers to drive it the way a student would."""

    def __init__(self, page, server: LabServer, shots: Path):
        self.page, self.server, self.shots = page, server, shots
        self.console_errors: list[str] = []
        self.external_requests: list[str] = []

    # --- what the page did -------------------------------------------------------
    def record_console(self, msg) -> None:
        if msg.type == "error":
            where = (msg.location or {}).get("url", "")
            self.console_errors.append(f"{msg.text} ({where})" if where else msg.text)

    def record_page_error(self, error) -> None:
        self.console_errors.append(f"uncaught: {error}")

    def record_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.hostname not in LOCAL_HOSTS:
            self.external_requests.append(url)

    def assert_clean(self) -> None:
        """No console error and no request to another host since the last call."""
        errors, external = self.console_errors[:], self.external_requests[:]
        self.console_errors.clear()
        self.external_requests.clear()
        assert not external, f"requests to hosts other than 127.0.0.1: {external}"
        assert not errors, "browser console errors:\n" + "\n".join(errors)

    # --- driving JupyterLab ------------------------------------------------------
    def js(self, path: str, body: str):
        """Evaluate `body` (a function body using `w`, the panel of `path`, and `app`)."""
        return self.page.evaluate(
            f"p => {{ const app = window.jupyterapp; {_FIND} {body} }}", path)

    def kernel_prints(self, path: str, code: str) -> str:
        """Run `code` in the kernel of the notebook `path` (outside its cells, as a console
        would) and return what it prints."""
        return self.page.evaluate(
            "async ([p, code]) => { " + _FIND +
            " const future = w.sessionContext.session.kernel.requestExecute("
            "{code, store_history: false}); let out = '';"
            " future.onIOPub = m => { if (m.header.msg_type === 'stream') out += m.content.text; };"
            " await future.done; return out; }", [path, code])

    def open(self, path: str, timeout: float = 90) -> None:
        """Open a notebook and wait until its kernel is idle."""
        self.page.evaluate("p => { window.jupyterapp.commands.execute('docmanager:open', "
                           "{path: p, factory: 'Notebook'}); }", path)
        self.wait(path, "if (!w || !w.context.isReady || !w.content.widgets.length) return false;"
                        "const k = w.sessionContext.session && w.sessionContext.session.kernel;"
                        "return !!k && k.status === 'idle';", timeout, f"open {path}")
        self.js(path, "app.shell.activateById(w.id);")

    def wait(self, path: str, body: str, timeout: float, what: str):
        """Poll a JS condition; fail at once on a dialog (e.g. "Select kernel")."""
        deadline = time.monotonic() + timeout
        while True:
            dialog = self.page.evaluate(
                "() => { const d = document.querySelector('.jp-Dialog'); "
                "return d ? d.innerText : null; }")
            assert dialog is None, f"{what}: JupyterLab shows a dialog: {dialog!r}"
            value = self.js(path, body)
            if value:
                return value
            assert time.monotonic() < deadline, f"{what}: not done after {timeout:.0f} s"
            self.page.wait_for_timeout(250)

    def run_all(self, path: str, timeout: float = 120, settle: float = 1.0) -> dict:
        """Clear outputs, fire "run all cells" (not awaited) and poll until every code
        cell has run, no prompt shows [*] and the kernel is idle for `settle` seconds."""
        self.js(path, "app.shell.activateById(w.id);")
        self.page.evaluate("async () => { await window.jupyterapp.commands.execute("
                           "'notebook:clear-all-cell-outputs'); }")
        self.page.evaluate("() => { window.jupyterapp.commands.execute("
                           "'notebook:run-all-cells'); }")
        deadline, idle_since = time.monotonic() + timeout, None
        while True:
            state = self.js(path, """
                const cells = w.content.widgets.filter(c => c.model.type === 'code');
                const errors = [];
                for (const c of cells) for (const o of c.model.outputs.toJSON())
                    if (o.output_type === 'error') errors.push(o.ename + ': ' + o.evalue);
                const prompt = c =>
                    (c.node.querySelector('.jp-InputPrompt') || {}).textContent || '';
                const k = w.sessionContext.session && w.sessionContext.session.kernel;
                return {cells: cells.length, errors,
                        running: cells.filter(c => prompt(c).includes('*')).length,
                        unexecuted: cells.filter(c => c.model.executionCount === null).length,
                        kernel: k ? k.status : 'none'};""")
            assert not state["errors"], f"{path}: a cell raised: {state['errors']}"
            dialog = self.page.evaluate(
                "() => { const d = document.querySelector('.jp-Dialog'); "
                "return d ? d.innerText : null; }")
            assert dialog is None, f"{path}: JupyterLab shows a dialog: {dialog!r}"
            done = not state["running"] and not state["unexecuted"] and state["kernel"] == "idle"
            now = time.monotonic()
            if done:
                idle_since = idle_since or now
                if now - idle_since >= settle:
                    return state
            else:
                idle_since = None
            assert now < deadline, f"{path}: run all not finished after {timeout:.0f} s: {state}"
            self.page.wait_for_timeout(250)

    def notebook(self, path: str):
        """Locator of the notebook's content (cells) of the panel open on `path`."""
        panel_id = self.js(path, "return w.id;")
        return self.page.locator(f"[id='{panel_id}'] .jp-Notebook")

    def screenshot(self, name: str, between=None) -> Path:
        """Save the page, or the part from the top of one element to the bottom of another
        (`between`), and copy the README pictures to $CRMLAB_SCREENSHOTS."""
        target = self.shots / name
        self.page.mouse.move(1, 1)  # no hover effects in the picture
        clip = None
        if between is not None:
            self.page.evaluate("() => new Promise(r => requestAnimationFrame("
                               "() => requestAnimationFrame(() => r(true))))")  # laid out
            top, bottom = (element.bounding_box() for element in between)
            clip = {"x": top["x"], "y": top["y"],
                    "width": max(top["x"] + top["width"], bottom["x"] + bottom["width"]) - top["x"],
                    "height": bottom["y"] + bottom["height"] - top["y"]}
        self.page.screenshot(path=str(target), clip=clip, timeout=30_000, animations="disabled")
        copy_readme_picture(target)
        return target


@pytest.fixture(scope="session")
def browser_ready():
    reason = _missing()
    if reason:
        if _in_ci():
            pytest.fail(f"CI is set, so the browser test must run, but {reason}", pytrace=False)
        pytest.skip(f"browser test skipped: {reason}")


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory, pytestconfig):
    folder = tmp_path_factory.mktemp("browser-screenshots")
    pytestconfig.stash[_SHOTS] = folder
    print(f"\nbrowser test screenshots: {folder}")
    return folder


@pytest.fixture(scope="module")
def chromium(browser_ready):
    """Debian's Chromium through Playwright, without JupyterLab (for plain pages)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def copy_readme_picture(path: Path) -> None:
    """Copy a README picture to $CRMLAB_SCREENSHOTS when it is set."""
    copy_to = os.environ.get("CRMLAB_SCREENSHOTS")
    if copy_to and path.name in README_PICTURES:
        folder = Path(copy_to)
        folder = folder if folder.is_absolute() else ROOT / folder
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, folder / path.name)


@pytest.fixture
def readme_picture():
    """The function that copies a README picture to $CRMLAB_SCREENSHOTS."""
    return copy_readme_picture


@pytest.fixture(scope="module")
def lab(browser_ready, tmp_path_factory, screenshots):
    from playwright.sync_api import sync_playwright

    server = LabServer(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.start()
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                         args=CHROMIUM_ARGS, timeout=60_000)
            try:
                context = browser.new_context(viewport={"width": 1280, "height": 900},
                                              device_scale_factor=1, locale="en-US")
                context.set_default_timeout(30_000)
                page = context.new_page()
                session = Lab(page, server, screenshots)
                page.on("console", session.record_console)
                page.on("pageerror", session.record_page_error)
                context.on("request", lambda request: session.record_url(request.url))
                page.on("websocket", lambda ws: session.record_url(ws.url))
                page.goto(f"{server.url}/lab?token={quote(server.token)}",
                          wait_until="domcontentloaded", timeout=90_000)
                page.wait_for_function(
                    "() => window.jupyterapp && window.jupyterapp.commands.hasCommand("
                    "'notebook:run-all-cells') && window.jupyterapp.commands.hasCommand("
                    "'docmanager:open')", timeout=90_000, polling=250)
                page.evaluate("async () => { await window.jupyterapp.restored; "
                              "window.jupyterapp.shell.collapseLeft(); }")  # room for pictures
                yield session
            finally:
                browser.close()
    finally:
        server.stop()


@pytest.fixture(autouse=True)
def _screenshot_on_failure(request):
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "lab" in request.fixturenames:
        session = request.getfixturevalue("lab")
        try:
            path = session.screenshot(f"failure-{request.node.name}.png")
            print(f"screenshot of the failure: {path}")
        except Exception as exc:  # noqa: BLE001 (the browser may be the problem)
            print(f"no screenshot of the failure: {exc}")
