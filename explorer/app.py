"""The Bokeh document of the explorer: controls, the four views, commands, downloads, the Monte Carlo panel.

:func:`make_document` fills one browser session's document; :func:`app` wraps it as a Bokeh ``Application`` (for
``bokeh.io.show(app())`` in a notebook or an own ``bokeh.server.server.Server``). Each session registers its views
in :data:`SESSIONS` so that the download route of :mod:`explorer.server` can render what the page draws.
"""

from __future__ import annotations

import html
import math
import os
import weakref

from bokeh.application import Application
from bokeh.application.handlers.function import FunctionHandler
from bokeh.layouts import column, row
from bokeh.models import (
    BoxAnnotation,
    Button,
    Checkbox,
    ColumnDataSource,
    Div,
    HoverTool,
    RadioButtonGroup,
    Select,
    Slider,
    Spinner,
    TextInput,
    Whisker,
)
from bokeh.plotting import figure

from explorer import core, jobs
from explorer.core import LABEL_CHANNELS, LEARNER_KINDS, RULE_FAMILIES, Settings, View

SESSIONS: weakref.WeakValueDictionary = weakref.WeakValueDictionary()  # session id -> Explorer
DEFAULT_STORE = os.path.join(os.path.expanduser("~"), ".cache", "beyond-scaling", "explorer-store")

SLOTS_A = ("keep hard", "keep easy", "unpruned (f = 1)", "rule", "point", "Monte Carlo")
CSS = ("<style>.cmd{font-family:monospace;font-size:11px;background:#f4f4f4;padding:4px;white-space:pre-wrap;"
       "word-break:break-all;max-height:90px;overflow:auto;margin:2px 0}"
       ".msg{color:#b00020}</style>")


def _log10(x: float) -> float:
    return round(math.log10(x), 3)


def _commands_html(view: View) -> str:
    parts = [f"<div class='cmd'>{html.escape(c)}</div>" for c in view.commands]
    return CSS + "<b>same numbers from the command line:</b>" + "".join(parts)


class Explorer:
    """One session's page: the widgets, the views' data sources and the jobs that recompute them."""

    def __init__(self, doc, store_dir: str | None = None):
        self.doc = doc
        self.store_dir = store_dir or DEFAULT_STORE
        self.sid = doc.session_context.id if doc.session_context is not None else str(id(self))
        SESSIONS[self.sid] = self
        self.views: dict[str, View] = {}
        self.settings = Settings()
        self.mc_run: jobs.MonteCarloRun | None = None
        self.mc_callback = None
        self.mc_settings = None
        self.need_b = self.need_c = False
        self._build_controls()
        self._build_views()
        self.job_a = jobs.LatestJob(doc, self._compute_a, self._apply_a)
        self.job_b = jobs.LatestJob(doc, self._compute_b, self._apply_b, partial_progress(self, "b"))
        self.job_c = jobs.LatestJob(doc, self._compute_c, self._apply_c, partial_progress(self, "c"))
        doc.add_root(self.layout)
        doc.title = "beyond-scaling explorer"
        self.changed(None, None, None)

    # ------------------------------------------------------------------------------------------- controls
    def _build_controls(self):
        s = self.settings
        self.alpha_mode = RadioButtonGroup(labels=["slider sets alpha_prune", "slider sets alpha_tot"], active=0)
        self.alpha = Slider(start=-1, end=2, step=0.01, value=_log10(s.alpha_prune), title="log10 alpha_prune",
                            css_classes=["alpha-slider"], width=300, show_value=False)
        self.fraction = Slider(start=-3, end=0, step=0.01, value=_log10(s.keep_fraction), title="log10 f",
                               css_classes=["f-slider"], width=300, show_value=False)
        self.theta = Slider(start=0, end=60, step=0.5, value=s.probe_angle_deg, title="probe angle theta (deg)",
                            css_classes=["theta-slider"], width=300)
        self.values = Div(text="", width=300, css_classes=["values"])
        self.rule = Select(title="selection rule", value="hard", options=list(RULE_FAMILIES), css_classes=["rule"],
                           width=150)
        self.rule_param = TextInput(title="its parameter", value="", disabled=True, width=140,
                                    css_classes=["rule-param"])
        self.learner = Select(title="learner", value="max-margin", options=list(LEARNER_KINDS),
                              css_classes=["learner"], width=150)
        self.ridge = Slider(start=-4, end=1, step=0.05, value=-2, title="log10 ridge L", disabled=True, width=140,
                            show_value=False, css_classes=["ridge"])
        self.best_ridge = Checkbox(label="best ridge (slow: asynchronous)", active=False, disabled=True)
        self.labels = Select(title="labels", value="clean", options=list(LABEL_CHANNELS), css_classes=["labels"],
                             width=150)
        self.label_param = TextInput(title="its parameter", value="", disabled=True, width=140,
                                     css_classes=["label-param"])
        self.model = Select(title="data model", value="Gaussian teacher-student perceptron",
                            options=["Gaussian teacher-student perceptron"], disabled=True, width=300)
        self.message = Div(text="", width=300, css_classes=["message"])
        for w in (self.alpha, self.fraction, self.theta, self.ridge):
            w.on_change("value", self.changed)
        for w in (self.rule, self.learner, self.labels):
            w.on_change("value", self.family_changed)
        for w in (self.rule_param, self.label_param):
            w.on_change("value", self.changed)
        self.alpha_mode.on_change("active", self.changed)
        self.best_ridge.on_change("active", self.changed)

    def family_changed(self, attr, old, new):
        """A new rule, learner or label family: fill in its default parameter, enable what applies."""
        if self.rule.value != self.settings.rule.split(":", 1)[0]:
            self.rule_param.value = RULE_FAMILIES[self.rule.value]
        self.rule_param.disabled = RULE_FAMILIES[self.rule.value] == ""
        if self.labels.value != self.settings.labels.split(":", 1)[0]:
            self.label_param.value = LABEL_CHANNELS[self.labels.value]
        self.label_param.disabled = LABEL_CHANNELS[self.labels.value] == ""
        convex = self.learner.value != "max-margin"
        self.ridge.disabled = not convex or self.best_ridge.active
        self.best_ridge.disabled = not convex
        self.changed(attr, old, new)

    def read_settings(self) -> Settings:
        """The settings the widgets show."""
        a, f = 10 ** self.alpha.value, 10 ** self.fraction.value
        a, f = float(f"{a:.3g}"), float(f"{f:.3g}")
        alpha_prune, alpha_total = (a, float(f"{a / f:.4g}")) if self.alpha_mode.active == 0 else \
            (float(f"{a * f:.4g}"), a)
        convex = self.learner.value != "max-margin"
        learner = f"{self.learner.value}:{10 ** self.ridge.value:.3g}" if convex else "max-margin"
        return Settings(alpha_prune, f, float(self.theta.value), core.spec(self.rule.value, self.rule_param.value),
                        learner, core.spec(self.labels.value, self.label_param.value),
                        bool(self.best_ridge.active) and convex, alpha_total)

    def changed(self, attr, old, new):
        """Any control moved: validate, then recompute the views that depend on what changed."""
        s = self.read_settings()
        self.ridge.disabled = not s.convex or s.best_ridge
        self.alpha.title = "log10 alpha_prune" if self.alpha_mode.active == 0 else "log10 alpha_tot"
        self.values.text = (f"alpha_prune = <b>{s.alpha_prune:g}</b>, alpha_tot = <b>{s.alpha_total:g}</b>, "
                            f"f = <b>{s.keep_fraction:g}</b>, rule <b>{html.escape(s.rule)}</b>, learner "
                            f"<b>{html.escape(s.learner_kind if s.best_ridge else s.learner)}</b>"
                            + (" (best ridge)" if s.best_ridge else ""))
        try:
            s.params(1.0, 1.0, "hard")  # learner and labels
            s.params()
            self.message.text = ""
        except ValueError as exc:
            self.message.text = f"{CSS}<span class='msg'>{html.escape(core._one_line(exc))}</span>"
        previous, self.settings = self.settings, s
        self.status_a.text = "<i>computing ...</i>"
        self.job_a.request(s)
        # the slower views start once view (a) is drawn (they would take its cores)
        self.need_b = self.need_b or attr is None or _frontier_key(previous) != _frontier_key(s)
        self.need_c = self.need_c or attr is None or _pool_key(previous) != _pool_key(s)
        self._mc_stale()

    # ------------------------------------------------------------------------------------------- views
    def _plot(self, name, title, xlabel, ylabel, logx=True, logy=True, width=760, height=400):
        p = figure(title=title, x_axis_type="log" if logx else "linear", y_axis_type="log" if logy else "linear",
                   width=width, height=height, x_axis_label=xlabel, y_axis_label=ylabel, name=f"plot-{name}",
                   tools="pan,wheel_zoom,box_zoom,reset,save")
        return p

    def _downloads(self, view: str) -> Div:
        links = " ".join(f"<a href='/explorer/download/{self.sid}/{view}.{fmt}' download='explorer-{view}.{fmt}' "
                         f"class='dl-{fmt}'>{fmt.upper()}</a>" for fmt in ("csv", "png", "pdf"))
        return Div(text=f"download what is drawn: {links}", css_classes=[f"downloads-{view}"])

    def _build_views(self):
        self.sources: dict[str, ColumnDataSource] = {}

        def source(key):
            self.sources[key] = ColumnDataSource(data={"x": [], "y": [], "lo": [], "hi": []}, name=key)
            return self.sources[key]

        # (a)
        pa = self._plot("a", "test error against the pruned data set size alpha_prune", "alpha_prune = f P / N",
                        "test error eps")
        styles = {"keep hard": ("#d62728", "keep hard"), "keep easy": ("#1f77b4", "keep easy"),
                  "unpruned (f = 1)": ("#444444", "unpruned (f = 1)"), "rule": ("#2ca02c", "chosen rule")}
        for key, (color, label) in styles.items():
            pa.line("x", "y", source=source(f"a:{key}"), color=color, line_width=2.5, legend_label=label,
                    line_dash="dashed" if key == "unpruned (f = 1)" else "solid")
        pa.scatter("x", "y", source=source("a:point"), size=12, color="black", legend_label="marked point")
        pa.scatter("x", "y", source=source("a:Monte Carlo"), size=10, marker="diamond", color="#9467bd",
                   legend_label="Monte Carlo (largest N)")
        pa.add_layout(Whisker(source=self.sources["a:Monte Carlo"], base="x", upper="hi", lower="lo"))
        pa.legend.location = "bottom_left"
        pa.add_tools(HoverTool(tooltips=[("alpha_prune", "@x"), ("eps", "@y")]))
        self.readout_a = Div(text="", css_classes=["readout-a"], width=760, styles={"font-size": "16px"})
        self.status_a = Div(text="", css_classes=["status-a"])
        self.messages_a = Div(text="", css_classes=["messages-a"], width=760)
        self.commands_a = Div(text="", css_classes=["commands-a"], width=760)
        # (b)
        pb = self._plot("b", "the frontier: lowest error over f and rule", "alpha_prune", "test error eps",
                        height=340)
        pb.line("x", "y", source=source("b:frontier"), color="#d62728", line_width=2.5, legend_label="frontier eps*")
        pb.scatter("x", "y", source=self.sources["b:frontier"], size=7, color="#d62728")
        pb.line("x", "y", source=source("b:unpruned"), color="#444444", line_dash="dashed", line_width=2,
                legend_label="unpruned")
        pb.add_tools(HoverTool(tooltips=[("alpha_prune", "@x"), ("eps*", "@y"), ("f*", "@f"), ("rule", "@keep")]))
        pb.legend.location = "bottom_left"
        self.progress_b, self.readout_b, self.commands_b = Div(text=""), Div(text="", width=760), Div(width=760)
        # (c)
        pc = self._plot("c", "the pool: error against f at fixed alpha_tot", "keep fraction f", "test error eps",
                        height=340)
        self.plateau = BoxAnnotation(left=None, right=None, fill_color="#2ca02c", fill_alpha=0.12, visible=False)
        pc.add_layout(self.plateau)
        for key, color in (("hard", "#d62728"), ("easy", "#1f77b4"), ("rule", "#2ca02c")):
            pc.line("x", "y", source=source(f"c:{key}"), color=color, line_width=2.5,
                    legend_label=f"keep {key}" if key != "rule" else "chosen rule")
        pc.scatter("x", "y", source=source("c:best"), size=11, color="black", legend_label="best (plateau shaded)")
        pc.legend.location = "bottom_left"
        self.progress_c, self.readout_c = Div(text="", css_classes=["progress-c"]), Div(text="", width=760)
        self.commands_c = Div(width=760, css_classes=["commands-c"])
        self.messages_c = Div(text="", width=760)
        # (d)
        pd = self._plot("d", "Monte Carlo at the marked point", "input dimension N", "test error eps", logy=False,
                        height=320)
        pd.scatter("x", "y", source=source("d:mc"), size=9, color="#9467bd", legend_label="Monte Carlo")
        pd.add_layout(Whisker(source=self.sources["d:mc"], base="x", upper="hi", lower="lo"))
        pd.line("x", "y", source=source("d:theory"), color="black", line_dash="dashed", legend_label="theory")
        self.mc_ns = TextInput(title="N (input dimensions)", value="50 100", width=160, css_classes=["mc-n"])
        self.mc_seeds = Spinner(title="seeds", low=2, high=1000, step=1, value=10, width=90, css_classes=["mc-seeds"])
        self.mc_run_button = Button(label="run Monte Carlo", button_type="primary", css_classes=["mc-run"], width=140)
        self.mc_cancel_button = Button(label="cancel", button_type="danger", disabled=True, css_classes=["mc-cancel"],
                                       width=90)
        self.mc_run_button.on_click(self.mc_start)
        self.mc_cancel_button.on_click(self.mc_cancel)
        self.progress_d, self.readout_d = Div(text="", css_classes=["mc-progress"]), Div(text="", width=760)
        self.commands_d = Div(text="", width=760)

        controls = column(Div(text="<h3>controls</h3>"), self.alpha_mode, self.alpha, self.fraction, self.theta,
                          self.values, row(self.rule, self.rule_param), row(self.learner, self.ridge), self.best_ridge,
                          row(self.labels, self.label_param), self.model, self.message, width=330)
        view_a = column(self.readout_a, pa, self.status_a, self.messages_a, self.commands_a, self._downloads("a"))
        def section(text, *children):
            return column(Div(text=f"<h3 style='margin:8px 0 2px 0'>{text}</h3>"), *children)

        view_b = section("(b) the frontier", self.progress_b, pb, self.readout_b, self.commands_b,
                         self._downloads("b"))
        view_c = section("(c) the pool", self.progress_c, pc, self.readout_c, self.messages_c, self.commands_c,
                         self._downloads("c"))
        view_d = section("(d) Monte Carlo at the marked point",
                         row(self.mc_ns, self.mc_seeds, self.mc_run_button, self.mc_cancel_button), self.progress_d,
                         pd, self.readout_d, self.commands_d, self._downloads("d"))
        title = Div(text="<h2 style='margin:4px 0'>beyond-scaling explorer: the pruning phase diagram</h2>"
                    "<div>replica theory of the perceptron trained on margin-pruned data (Sorscher et al. 2022)</div>")
        self.layout = column(title, row(controls, column(section("(a) the error against the data", view_a), view_b,
                                                             view_c, view_d)))

    # ------------------------------------------------------------------------------------------- view (a)
    def _compute_a(self, s: Settings, cancelled, progress):
        return core.view_a(s, jobs.pool_map if s.convex else None)

    def _apply_a(self, s: Settings, v, seconds):
        if not self.job_a.has_pending:
            if self.need_b:
                self.need_b = False
                self.job_b.request(self.settings)
            if self.need_c:
                self.need_c = False
                self.job_c.request(self.settings)
        if isinstance(v, Exception):
            self.status_a.text = f"{CSS}<span class='msg'>{html.escape(core._one_line(v))}</span>"
            return
        self.views["a"] = v
        for key in SLOTS_A[:5]:
            self.sources[f"a:{key}"].data = {"x": [], "y": [], "lo": [], "hi": []}
        for series in v.series:
            key = series.label if series.label in SLOTS_A else "rule"
            self.sources[f"a:{key}"].data = {"x": series.x, "y": series.y, "lo": series.y, "hi": series.y}
        eps = next((r["eps"] for r in v.records if r.get("curve") == "point"), math.nan)
        self.readout_a.text = (f"<span class='eps' data-eps='{eps!r}'>{html.escape(v.readout)}</span>")
        self.status_a.text = (f"view (a): {sum(len(s.x) for s in v.series if s.style == 'line')} theory points, "
                              f"computed in {v.seconds * 1000:.0f} ms (server side)")
        self.messages_a.text = CSS + "".join(f"<div class='msg'>{html.escape(m)}</div>" for m in v.messages)
        self.commands_a.text = _commands_html(v)
        self._draw_mc_on_a()

    # ------------------------------------------------------------------------------------------- view (b)
    def _compute_b(self, s: Settings, cancelled, progress):
        tasks = [(core_safe, (core.frontier_point_record, s, a)) for a in core.FRONTIER_ALPHAS]
        out = jobs.pool_collect(tasks, cancelled, progress)
        return None if out is None else core.view_b(s, out)

    def _apply_b(self, s, v, seconds):
        if isinstance(v, Exception):
            self.progress_b.text = f"{CSS}<span class='msg'>{html.escape(core._one_line(v))}</span>"
            return
        self.views["b"] = v
        front = {r["alpha_prune"]: r for r in v.records}
        xs = list(front)
        self.sources["b:frontier"].data = {"x": xs, "y": [front[a]["eps_frontier"] for a in xs], "lo": xs, "hi": xs,
                                           "f": [front[a]["f_opt"] for a in xs],
                                           "keep": [front[a]["keep_opt"] for a in xs]}
        self.sources["b:unpruned"].data = {"x": xs, "y": [front[a]["eps_random"] for a in xs], "lo": xs, "hi": xs}
        msgs = "".join(f"<div class='msg'>{html.escape(m)}</div>" for m in v.messages)
        self.progress_b.text = f"{CSS}frontier done in {seconds:.1f} s{msgs}"
        self.readout_b.text = html.escape(v.readout)
        self.commands_b.text = _commands_html(v)

    # ------------------------------------------------------------------------------------------- view (c)
    def _compute_c(self, s: Settings, cancelled, progress):
        keeps = core.pool_keeps(s)
        tasks = [(core_safe, (core.pool_curve, s, k)) for k in keeps]
        tasks.append((core_safe, (core.pool_report_record, s)))
        out = jobs.pool_collect(tasks, cancelled, progress)
        if out is None:
            return None
        return core.view_c(s, dict(zip(keeps, out[:-1])), out[-1])

    def _apply_c(self, s, v, seconds):
        if isinstance(v, Exception):
            self.progress_c.text = f"{CSS}<span class='msg'>{html.escape(core._one_line(v))}</span>"
            return
        self.views["c"] = v
        for key in ("hard", "easy", "rule", "best"):
            self.sources[f"c:{key}"].data = {"x": [], "y": [], "lo": [], "hi": []}
        for series in v.series:
            key = {"keep hard": "hard", "keep easy": "easy", "best": "best"}.get(series.label, "rule")
            self.sources[f"c:{key}"].data = {"x": series.x, "y": series.y, "lo": series.y, "hi": series.y}
        if v.spans:
            self.plateau.left, self.plateau.right = v.spans[0][:2]
        self.plateau.visible = bool(v.spans)
        self.progress_c.text = f"pool view done in {seconds:.1f} s"
        self.readout_c.text = html.escape(v.readout)
        self.messages_c.text = CSS + "".join(f"<div class='msg'>{html.escape(m)}</div>" for m in v.messages)
        self.commands_c.text = _commands_html(v)

    # ------------------------------------------------------------------------------------------- view (d)
    def mc_start(self):
        """Start a Monte Carlo run at the marked point (or say in one line why not)."""
        s = self.settings
        try:
            ns = core.check_mc(s, self.mc_ns.value, int(self.mc_seeds.value))
        except ValueError as exc:
            self.progress_d.text = f"{CSS}<span class='msg'>{html.escape(core._one_line(exc))}</span>"
            return
        self.mc_cancel()
        seeds = int(self.mc_seeds.value)
        self.mc_settings, self.mc_request = s, (ns, seeds)
        self.mc_run = jobs.MonteCarloRun(s, ns, seeds, self.store_dir)
        self.views["d"] = core.view_d(s, [], ns, seeds, self.store_dir)
        self.commands_d.text = _commands_html(self.views["d"])
        self.mc_run_button.disabled, self.mc_cancel_button.disabled = True, False
        self.progress_d.text = "<progress value='0' max='1'></progress> Monte Carlo: starting ..."
        self.mc_callback = self.doc.add_periodic_callback(self._mc_poll, 200)

    def mc_cancel(self):
        """Stop the running Monte Carlo (what finished stays in the store)."""
        if self.mc_run is None or self.mc_run.finished:
            return
        self.mc_run.cancel()
        self._mc_stop()
        self.progress_d.text = (f"<span class='mc-cancelled'>Monte Carlo cancelled after {self.mc_run.units} of "
                                f"{self.mc_run.total_units} units of 5 seeds (kept in the store)</span>")

    def _mc_stop(self):
        if self.mc_callback is not None:
            self.doc.remove_periodic_callback(self.mc_callback)
            self.mc_callback = None
        self.mc_run_button.disabled, self.mc_cancel_button.disabled = False, True

    def _mc_poll(self):
        run = self.mc_run
        if run is None or not run.poll():
            return
        ns, seeds = self.mc_request
        v = core.view_d(self.mc_settings, run.records, ns, seeds, self.store_dir)
        self.views["d"] = v
        rows = v.series_by_label("Monte Carlo")
        if rows is not None:
            self.sources["d:mc"].data = {"x": rows.x, "y": rows.y, "lo": [y - e for y, e in zip(rows.y, rows.err)],
                                         "hi": [y + e for y, e in zip(rows.y, rows.err)]}
            th = v.series_by_label("theory")
            self.sources["d:theory"].data = {"x": th.x, "y": th.y, "lo": th.y, "hi": th.y}
        self.readout_d.text = html.escape(v.readout)
        if run.error:
            self.progress_d.text = f"{CSS}<span class='msg'>{html.escape(run.error)}</span>"
            self._mc_stop()
        elif run.finished:
            self.progress_d.text = (f"<progress value='1' max='1'></progress> <span class='mc-done'>Monte Carlo done "
                                    f"({run.total_units} units of 5 seeds; cached in {html.escape(self.store_dir)})"
                                    "</span>")
            self._mc_stop()
        else:
            frac = run.units / max(run.total_units, 1)
            self.progress_d.text = (f"<progress value='{frac:.3f}' max='1'></progress> <span class='mc-running'>"
                                    f"Monte Carlo running: {run.units} of {run.total_units} units of 5 seeds</span>")
        self._draw_mc_on_a()

    def _mc_stale(self):
        """Monte Carlo points are drawn on view (a) only while the settings are those of the run."""
        self._draw_mc_on_a()

    def _draw_mc_on_a(self):
        run = self.mc_run
        same = run is not None and self.mc_settings == self.settings and run.records
        if not same:
            self.sources["a:Monte Carlo"].data = {"x": [], "y": [], "lo": [], "hi": []}
            return
        r = max(run.records, key=lambda r: r["n"])
        mean, sem = r["eps_mean"], r["eps_sem"]
        self.sources["a:Monte Carlo"].data = {"x": [r["alpha_prune"]], "y": [mean], "lo": [mean - sem],
                                              "hi": [mean + sem]}

    def cleanup(self):
        """The session closed: stop its Monte Carlo."""
        if self.mc_run is not None:
            self.mc_run.cancel()


def core_safe(fn, *args):
    """``fn(*args)``, or the one-line message of the ``ValueError``/``RuntimeError`` it raises (picklable)."""
    try:
        return fn(*args)
    except (ValueError, RuntimeError) as exc:
        return core._one_line(exc)


def partial_progress(explorer: Explorer, view: str):
    """A progress reporter writing "k of n" with a bar into the view's progress line."""
    def report(done, total):
        target = getattr(explorer, f"progress_{view}")
        target.text = (f"<progress value='{done}' max='{total}'></progress> <span class='busy-{view}'>computing: "
                       f"{done} of {total}</span>")
    return report


def _frontier_key(s: Settings):
    return (s.probe_angle_deg, core.frontier_keeps(s), core.frontier_learner(s), s.labels)


def _pool_key(s: Settings):
    return (s.alpha_total, s.probe_angle_deg, s.rule, core.frontier_learner(s), s.labels)


def make_document(doc, store_dir: str | None = None) -> Explorer:
    """Fill a Bokeh document with the explorer (one browser session); returns the session's :class:`Explorer`."""
    explorer = Explorer(doc, store_dir)
    doc.on_session_destroyed(lambda context: explorer.cleanup())
    return explorer


def app(store_dir: str | None = None) -> Application:
    """The explorer as a Bokeh ``Application``: ``bokeh.io.show(explorer.app())`` in a notebook (downloads need the
    route of ``python -m explorer`` or :func:`explorer.server.start`). ``store_dir``: the Monte Carlo result store."""
    return Application(FunctionHandler(lambda doc: make_document(doc, store_dir)))

