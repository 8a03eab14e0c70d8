"""A small Chrome DevTools Protocol client for the browser tests: starts
Debian's headless chromium (/usr/bin/chromium, no download) with its own
profile in a temp dir, attaches to its page over the DevTools websocket
(python3-websocket), and offers what the tests need: navigate, evaluate
JavaScript, wait for a page, click, screenshot."""
import base64
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request

import websocket

from lib import free_port, stop_process, wait_port

CHROMIUM = "/usr/bin/chromium"


class Browser:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="dlp-chromium-")
        self.port = free_port()
        args = [CHROMIUM, "--headless=new", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-sync",
                "--disable-background-networking", "--remote-allow-origins=*",
                "--user-data-dir=" + self.dir, "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=%d" % self.port, "--window-size=1200,900",
                "about:blank"]
        if os.geteuid() == 0:
            args.insert(1, "--no-sandbox")	# chromium refuses root otherwise
        self.log = open(os.path.join(self.dir, "chromium.log"), "wb")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=self.log)
        if not wait_port(self.port, 30):
            raise RuntimeError("chromium did not open its DevTools port")
        self.ws = None
        self.seq = 0
        deadline = time.time() + 20
        while self.ws is None and time.time() < deadline:
            try:
                pages = json.load(urllib.request.urlopen(
                    "http://127.0.0.1:%d/json/list" % self.port, timeout=5))
                url = [p for p in pages if p.get("type") == "page"][0]["webSocketDebuggerUrl"]
                self.ws = websocket.create_connection(url, timeout=30, suppress_origin=True)
            except (OSError, IndexError, ValueError):
                time.sleep(0.2)
        if self.ws is None:
            raise RuntimeError("no chromium page to attach to")
        self.call("Page.enable")
        self.call("Runtime.enable")

    def call(self, method, **params):
        self.seq += 1
        me = self.seq
        self.ws.send(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == me:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})

    def eval(self, js):
        """The value of the expression js (JSON-serialisable), awaited."""
        r = self.call("Runtime.evaluate", expression=js, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("js error: %s in %s" % (r["exceptionDetails"], js))
        return r.get("result", {}).get("value")

    def wait(self, pred_js, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                if self.eval("document.readyState === 'complete' && (%s)" % pred_js):
                    return True
            except RuntimeError:
                pass	# the page is changing under us
            time.sleep(0.1)
        return False

    def goto(self, url, timeout=20):
        marker = "m%d" % time.time_ns()
        self.eval("window.__dlp_old = '%s'" % marker)
        self.call("Page.navigate", url=url)
        if not self.wait("window.__dlp_old !== '%s'" % marker, timeout):
            raise RuntimeError("page %s did not load" % url)

    def click(self, selector, timeout=20):
        """Click selector and wait for the next page."""
        marker = "m%d" % time.time_ns()
        self.eval("window.__dlp_old = '%s'" % marker)
        self.eval("document.querySelector(%s).click()" % json.dumps(selector))
        if not self.wait("window.__dlp_old !== '%s'" % marker, timeout):
            raise RuntimeError("no page after clicking %s" % selector)

    def fill(self, selector, value):
        self.eval("document.querySelector(%s).value = %s" % (json.dumps(selector),
                                                              json.dumps(value)))

    def text(self, selector):
        return self.eval("(document.querySelector(%s) || {}).textContent || null" %
                         json.dumps(selector))

    def path(self):
        return self.eval("location.pathname")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def clear_cookies(self):
        self.call("Network.clearBrowserCookies")

    def close(self):
        try:
            if self.ws:
                self.ws.close()
        except Exception:
            pass
        stop_process(self.proc)
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
