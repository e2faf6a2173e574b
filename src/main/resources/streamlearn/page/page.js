// The live page: polls /series (the whole application), /models (the table) and /models/{id}
// (the chosen model) every REFRESH_MS, and draws them with uPlot (served from the jar).
(function () {
  "use strict";
  var REFRESH_MS = 1500;
  var COLORS = ["#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#9e9d24", "#5d4037"];
  var state = {
    classes: [], sort: "accuracy", page: 1, size: 25, q: "", model: null, total: 0,
    charts: {}, drifts: { app: [], model: [] }, lastOk: 0, candidates: "", championColumn: null
  };
  // What a test (or a curious person at the console) can read of the page.
  var page = window.streamlearnPage = { appPoints: 0, modelPoints: 0, driftMarkers: 0, modelDriftMarkers: 0, rows: 0, total: 0, updates: 0, errors: 0,
    candidates: 0, weightPoints: 0, champion: null };

  function $(id) { return document.getElementById(id); }
  function fmt(v, digits) { return v === null || v === undefined ? "–" : Number(v).toFixed(digits); }
  function getJson(url) {
    return fetch(url, { cache: "no-store" }).then(function (r) {
      if (!r.ok) { throw new Error(url + ": HTTP " + r.status); }
      return r.json();
    });
  }

  // Red vertical lines at the window ends where a drift was detected.
  function driftPlugin(key) {
    return {
      hooks: {
        draw: [function (u) {
          var ends = state.drifts[key];
          if (!ends.length) { return; }
          var ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = "#d32f2f";
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
          ends.forEach(function (x) {
            var px = u.valToPos(x, "x", true);
            if (px < u.bbox.left || px > u.bbox.left + u.bbox.width) { return; }
            ctx.beginPath();
            ctx.moveTo(px, u.bbox.top);
            ctx.lineTo(px, u.bbox.top + u.bbox.height);
            ctx.stroke();
          });
          ctx.restore();
        }]
      }
    };
  }

  function chart(el, key, series, yRange) {
    var width = Math.max(300, $(el).clientWidth || 500);
    var opts = {
      width: width, height: 220,
      plugins: [driftPlugin(key)],
      scales: { x: { time: true }, y: yRange ? { range: yRange } : { auto: true } },
      axes: [{}, { size: 50 }],
      series: [{}].concat(series.map(function (s, i) {
        return { label: s, stroke: COLORS[i % COLORS.length], width: s === "accuracy" || s === "loss" ? 2 : 1.5, spanGaps: false };
      }))
    };
    var data = [[]].concat(series.map(function () { return []; }));
    return new uPlot(opts, data, $(el));
  }

  function buildCharts(classes) {
    var quality = ["accuracy"].concat(classes.map(function (c) { return "recall " + c; }));
    state.charts.appLoss = chart("app-loss", "app", ["loss"], null);
    state.charts.appQuality = chart("app-quality", "app", quality, [0, 1]);
    state.charts.modelLoss = chart("model-loss", "model", ["loss"], null);
    state.charts.modelQuality = chart("model-quality", "model", quality, [0, 1]);
    var sort = $("sort");
    ["accuracy", "loss", "drifts", "lastReading", "id"].concat(classes.map(function (c) { return "recall:" + c; }))
      .forEach(function (s) {
        var o = document.createElement("option");
        o.value = s;
        o.textContent = s === "accuracy" ? "accuracy (worst first)" : s === "loss" ? "loss (worst first)"
          : s.indexOf("recall:") === 0 ? s.replace(":", " ") + " (worst first)" : s;
        sort.appendChild(o);
      });
    buildHead(false);
  }

  // The table's head; a champion column only when a listed model is a pool of candidates.
  function buildHead(withChampion) {
    if (state.championColumn === withChampion) { return; }
    state.championColumn = withChampion;
    var head = $("models-head");
    head.replaceChildren();
    ["model", "version", "accuracy", "loss"].concat(state.classes.map(function (c) { return "recall " + c; }))
      .concat(["drifts", "last reading"]).concat(withChampion ? ["champion"] : []).forEach(function (h) {
        var th = document.createElement("th");
        th.textContent = h;
        head.appendChild(th);
      });
  }

  // The chosen model's candidates' weights, one line per candidate over its windows (a window
  // lists at most 8, so a name may miss in some: a gap there); hidden for a single network.
  function drawWeights(windows) {
    var names = [];
    windows.forEach(function (w) {
      Object.keys(w.candidates || {}).forEach(function (n) { if (names.indexOf(n) < 0) { names.push(n); } });
    });
    var box = $("model-weights-box");
    var last = windows.length ? windows[windows.length - 1] : null;
    page.candidates = names.length;
    page.champion = last && last.champion ? last.champion : null;
    if (!names.length) {
      box.hidden = true;
      page.weightPoints = 0;
      return;
    }
    box.hidden = false;
    if (state.candidates !== names.join("\n")) {
      // Other candidates (another pool, or another 8 of a large one): a chart of their own.
      if (state.charts.modelWeights) { state.charts.modelWeights.destroy(); $("model-weights").replaceChildren(); }
      state.charts.modelWeights = chart("model-weights", "model", names, [0, 1]);
      state.candidates = names.join("\n");
    }
    var xs = windows.map(function (w) { return w.end / 1000; });
    state.charts.modelWeights.setData([xs].concat(names.map(function (n) {
      return windows.map(function (w) { return w.candidates && w.candidates[n] ? w.candidates[n].weight : null; });
    })));
    page.weightPoints = xs.length;
    $("model-champion").textContent = page.champion ? "champion now: " + page.champion : "";
  }

  function series(points, classes) {
    var xs = [], loss = [], acc = [], recall = classes.map(function () { return []; }), drifts = [];
    points.forEach(function (p) {
      var x = p.end / 1000;
      xs.push(x);
      loss.push(p.loss);
      acc.push(p.accuracy);
      classes.forEach(function (c, i) { recall[i].push(p.recall ? p.recall[c] : null); });
      if (p.drifts > 0) { drifts.push(x); }
    });
    return { loss: [xs, loss], quality: [xs, acc].concat(recall), drifts: drifts, n: xs.length };
  }

  function refreshApp() {
    return getJson("/series").then(function (s) {
      // The last window end may still be filling (other models' windows close a little later).
      var d = series(s.points, state.classes);
      state.drifts.app = d.drifts;
      state.charts.appLoss.setData(d.loss);
      state.charts.appQuality.setData(d.quality);
      page.appPoints = d.n;
      page.driftMarkers = d.drifts.length;
    });
  }

  function refreshModel() {
    if (!state.model) {
      return Promise.resolve();
    }
    return getJson("/models/" + encodeURIComponent(state.model)).then(function (m) {
      var d = series(m.windows || [], state.classes);
      state.drifts.model = d.drifts;
      state.charts.modelLoss.setData(d.loss);
      state.charts.modelQuality.setData(d.quality);
      page.modelPoints = d.n;
      page.modelDriftMarkers = d.drifts.length;
      drawWeights(m.windows || []);
      $("model-info").textContent = "model version " + m.modelVersion + ", " + m.drifts + " drift(s) so far, on "
        + m.instance + " (last " + (m.windows || []).length + " windows)";
    }, function () {
      $("model-info").textContent = "model " + state.model + " is not listed now";
    });
  }

  function age(ms) {
    if (ms === null || ms === undefined) { return "–"; }
    var s = Math.round((Date.now() - ms) / 1000);
    return s < 1 ? "now" : s < 120 ? s + " s ago" : Math.round(s / 60) + " min ago";
  }

  function cell(tr, text, cls) {
    var td = document.createElement("td");
    td.textContent = text;
    if (cls) { td.className = cls; }
    tr.appendChild(td);
  }

  function refreshModels() {
    var url = "/models?sort=" + encodeURIComponent(state.sort) + "&page=" + state.page + "&size=" + state.size
      + "&q=" + encodeURIComponent(state.q);
    return getJson(url).then(function (r) {
      state.total = r.total;
      var withChampion = r.models.some(function (m) { return m.champion !== null && m.champion !== undefined; });
      buildHead(withChampion);
      var body = document.querySelector("#models tbody");
      var rows = document.createDocumentFragment();
      r.models.forEach(function (m) {
        var tr = document.createElement("tr");
        tr.dataset.model = m.id;
        if (m.id === state.model) { tr.className = "picked"; }
        cell(tr, m.id);
        cell(tr, m.modelVersion);
        cell(tr, fmt(m.accuracy, 3), m.accuracy === null ? "none" : m.accuracy < 0.9 ? "low" : "");
        cell(tr, fmt(m.loss, 4), m.loss === null ? "none" : "");
        state.classes.forEach(function (c) {
          var v = m.recall ? m.recall[c] : null;
          cell(tr, fmt(v, 3), v === null || v === undefined ? "none" : v < 0.9 ? "low" : "");
        });
        cell(tr, m.drifts);
        cell(tr, age(m.lastReading));
        if (withChampion) { cell(tr, m.champion || "–", m.champion ? "" : "none"); }
        tr.addEventListener("click", function () { pick(m.id); });
        rows.appendChild(tr);
      });
      body.replaceChildren(rows);
      page.rows = r.models.length;
      page.total = r.total;
      var pages = Math.max(1, Math.ceil(r.total / state.size));
      $("page-info").textContent = "page " + state.page + " of " + pages;
      $("models-total").textContent = r.total + " model(s) on " + r.instances.length + " instance(s)"
        + (r.unreachable.length ? "; not answering: " + r.unreachable.join(", ") : "");
      $("prev").disabled = state.page <= 1;
      $("next").disabled = state.page >= pages;
      updatePicker(r.models);
      if (!state.model && r.models.length) {
        pick(r.models[0].id);
      }
    });
  }

  function updatePicker(models) {
    var sel = $("model-pick");
    var ids = models.map(function (m) { return m.id; });
    if (state.model && ids.indexOf(state.model) < 0) { ids.unshift(state.model); }
    var current = Array.prototype.map.call(sel.options, function (o) { return o.value; });
    if (current.join("\n") === ids.join("\n")) { return; }
    sel.replaceChildren();
    ids.forEach(function (id) {
      var o = document.createElement("option");
      o.value = id;
      o.textContent = id;
      sel.appendChild(o);
    });
    sel.value = state.model || "";
  }

  function pick(id) {
    state.model = id;
    $("model-pick").value = id;
    Array.prototype.forEach.call(document.querySelectorAll("#models tbody tr"), function (tr) {
      tr.className = tr.dataset.model === id ? "picked" : "";
    });
    refreshModel();
  }

  function tick() {
    Promise.all([refreshApp(), refreshModels(), refreshModel()]).then(function () {
      state.lastOk = Date.now();
      page.updates++;
      $("status").textContent = "updated " + new Date().toLocaleTimeString() + " · every " + REFRESH_MS / 1000 + " s";
      $("status").className = "status";
    }, function (e) {
      page.errors++;
      $("status").textContent = "cannot reach the learner (" + e.message + "); retrying";
      $("status").className = "status stale";
    }).then(function () { setTimeout(tick, REFRESH_MS); });
  }

  function resize() {
    Object.keys(state.charts).forEach(function (k) {
      var c = state.charts[k];
      var w = c.root.parentNode.clientWidth;
      if (w > 0) { c.setSize({ width: w, height: 220 }); }
    });
  }

  function start() {
    getJson("/series").then(function (s) {
      state.classes = s.classes;
      buildCharts(s.classes);
      $("search").addEventListener("input", function (e) { state.q = e.target.value; state.page = 1; refreshModels(); });
      $("sort").addEventListener("change", function (e) { state.sort = e.target.value; state.page = 1; refreshModels(); });
      $("prev").addEventListener("click", function () { state.page = Math.max(1, state.page - 1); refreshModels(); });
      $("next").addEventListener("click", function () { state.page++; refreshModels(); });
      $("model-pick").addEventListener("change", function (e) { pick(e.target.value); });
      window.addEventListener("resize", resize);
      tick();
    }, function (e) {
      $("status").textContent = "cannot reach the learner (" + e.message + "); retrying";
      $("status").className = "status stale";
      setTimeout(start, REFRESH_MS);
    });
  }

  start();
})();
