// The facilitator's view and the room view of one session.
// Every piece of text from the scenario goes in with textContent, never as markup; the
// server computes the picture, this file only draws it. Nothing is fetched from elsewhere.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const view = document.body.dataset.view;
  const token = new URLSearchParams(window.location.search).get("token") || "";
  const COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
  const MODES = { rail: "#1f4e9c", road: "#b5530a", air: "#1b7a5a" };
  const STATE_CLASS = { done: "done", "on track": "ontrack", "at risk": "atrisk", missed: "missed" };
  let map = null;
  let shown = 0;

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function status(text) { $("status").textContent = text; }

  // ------------------------------------------------------------------ the map
  function drawMap(data) {
    const box = $("map");
    clear(box);
    const root = svg("svg", { viewBox: `0 0 ${data.width} ${data.height}`, id: "mapsvg",
      preserveAspectRatio: "xMidYMid meet", role: "img" });
    const defs = svg("defs");
    const hatch = svg("pattern", { id: "hatch", width: 10, height: 10,
      patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" });
    hatch.appendChild(svg("rect", { width: 10, height: 10, fill: "#f6d5d5" }));
    hatch.appendChild(svg("line", { x1: 0, y1: 0, x2: 0, y2: 10, stroke: "#c0392b",
      "stroke-width": 3 }));
    defs.appendChild(hatch);
    root.appendChild(defs);
    root.appendChild(svg("rect", { x: 0, y: 0, width: data.width, height: data.height,
      fill: "#dfeaf3" }));
    const lands = svg("g", { class: "lands" });
    for (const c of data.countries) {
      const path = svg("path", { d: c.path, class: c.id ? "land own" : "land" });
      if (c.id) path.dataset.country = c.id;
      lands.appendChild(path);
    }
    root.appendChild(lands);
    const names = svg("g", { class: "country-names" });
    for (const c of data.countries) {
      if (!c.id || c.x === null) continue;
      names.appendChild(svg("text", { x: c.x, y: c.y, "font-size": data.country_size,
        "text-anchor": "middle", class: "country-name" }, c.name.toUpperCase()));
    }
    root.appendChild(names);
    const links = svg("g", { class: "links" });
    for (const k of data.links) {
      const line = svg("line", { x1: k.x1, y1: k.y1, x2: k.x2, y2: k.y2,
        class: `link ${k.mode}`, stroke: MODES[k.mode] || "#555" });
      line.dataset.link = k.id;
      links.appendChild(line);
    }
    root.appendChild(links);
    const nodes = svg("g", { class: "nodes" });
    for (const n of data.nodes) {
      const dot = svg("circle", { cx: n.x, cy: n.y, r: n.important ? 5 : 3.5,
        class: n.important ? "node key" : "node" });
      dot.appendChild(svg("title", {}, n.name));
      nodes.appendChild(dot);
    }
    for (const b of data.gauge_breaks) {
      nodes.appendChild(svg("rect", { x: b.x - 9, y: b.y - 9, width: 18, height: 18,
        class: "gauge-break" }));
    }
    for (const x of data.crossings) {
      nodes.appendChild(svg("path", { d: `M${x.x - 6} ${x.y - 6}L${x.x + 6} ${x.y + 6}` +
        `M${x.x - 6} ${x.y + 6}L${x.x + 6} ${x.y - 6}`, class: "crossing" }));
    }
    root.appendChild(nodes);
    const labels = svg("g", { class: "labels" });
    for (const lb of data.labels) {
      for (const [px, py] of lb.leader) {
        labels.appendChild(svg("line", { x1: lb.x, y1: lb.y, x2: px, y2: py, class: "leader" }));
      }
      const size = data.label_size * (lb.important ? 1.1 : 1.0);
      const lineH = 1.25 * size;
      const total = lineH * lb.lines.length;
      const top = lb.va === "bottom" ? lb.y - total : lb.va === "top" ? lb.y : lb.y - total / 2;
      const anchor = lb.ha === "left" ? "start" : lb.ha === "right" ? "end" : "middle";
      const text = svg("text", { x: lb.x, "font-size": size, "text-anchor": anchor,
        class: lb.important ? "label key" : "label" });
      lb.lines.forEach((line, i) => {
        text.appendChild(svg("tspan", { x: lb.x, y: top + (i + 0.8) * lineH }, line));
      });
      labels.appendChild(text);
    }
    root.appendChild(labels);
    root.appendChild(svg("g", { id: "markers" }));
    box.appendChild(root);
    drawLegend(data);
  }

  function drawLegend(data) {
    const legend = $("legend");
    clear(legend);
    const items = [["leg-rail", "rail (in use)"], ["leg-road", "road"], ["leg-air", "air"],
      ["leg-idle", "not in use"]];
    if (data.gauge_breaks.length) items.push(["sym-gauge", "gauge break"]);
    if (data.crossings.length) items.push(["sym-cross", "border crossing"]);
    if (data.countries.length) items.push(["sym-denied", "transit denied"]);
    for (const [cls, text] of items) {
      const item = el("span", "item");
      item.appendChild(el("span", `key ${cls}`));
      item.appendChild(document.createTextNode(text));
      legend.appendChild(item);
    }
  }

  function updateMap(state) {
    const root = $("mapsvg");
    if (!root) return;
    const used = new Set(state.legs);
    for (const line of root.querySelectorAll("line.link")) {
      line.classList.toggle("used", used.has(line.dataset.link));
    }
    const denied = new Set(state.denied_countries);
    for (const path of root.querySelectorAll("path.own")) {
      path.classList.toggle("denied", denied.has(path.dataset.country));
    }
    root.dataset.legs = state.legs.join(" ");
    root.dataset.denied = state.denied_countries.join(" ");
    const group = $("markers");
    clear(group);
    const stacked = {};
    for (const m of state.markers) {
      // Markers at one spot: one in the middle, six around it, then a wider ring. The
      // labels keep out of that room (mapdata.GATHER), so no marker covers a name.
      const key = `${Math.round(m.x / 8)}:${Math.round(m.y / 8)}`;
      const k = stacked[key] = (stacked[key] || 0) + 1;
      const angle = k <= 7 ? (k - 2) * Math.PI / 3 : (k - 8) * Math.PI / 6 + Math.PI / 12;
      const r = k === 1 ? 0 : k <= 7 ? 13 : 25;
      const x = m.x + r * Math.cos(angle);
      const y = m.y + r * Math.sin(angle);
      const g = svg("g", { class: `marker ${m.state}` });
      g.appendChild(svg("circle", { cx: x, cy: y, r: 10, fill: COLOURS[m.colour % COLOURS.length] }));
      if (m.count > 1) {
        g.appendChild(svg("text", { x: x, y: y + 4.5, "text-anchor": "middle", class: "count" },
          m.count));
      }
      g.appendChild(svg("title", {}, `${m.unit} (${m.nation}): ${m.count} x ${m.words}`));
      group.appendChild(g);
    }
    const legend = $("legend");
    for (const old of legend.querySelectorAll(".nation")) old.remove();
    state.nations.forEach((name, i) => {
      const item = el("span", "item nation");
      const dot = el("span", "key dot");
      dot.style.background = COLOURS[i % COLOURS.length];
      item.appendChild(dot);
      item.appendChild(document.createTextNode(name));
      legend.appendChild(item);
    });
  }

  // ------------------------------------------------------------------ panels
  function drawTimeline(state) {
    const box = $("timeline");
    clear(box);
    const t = state.timeline;
    const rows = state.milestones.length;
    // Narrower in the room view, where the strip has a third of the screen: the same
    // type then comes out larger.
    const room = view === "room";
    const W = room ? 720 : 1000, left = room ? 250 : 290, right = 12, rowH = 19, top = 22;
    const cut = room ? 26 : 32;
    const H = top + rows * rowH + 8;
    const x = (h) => left + (W - left - right) * (h - t.start_h) / (t.end_h - t.start_h);
    const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, id: "timelinesvg", role: "img" });
    t.ticks.forEach((tick, i) => {
      root.appendChild(svg("line", { x1: x(tick.h), y1: top - 6, x2: x(tick.h), y2: H,
        class: "tick" }));
      if (room && i % 2) return;  // every other date: the room's strip is narrower
      root.appendChild(svg("text", { x: x(tick.h), y: top - 10, "text-anchor": "middle",
        class: "tick-label" }, tick.label));
    });
    state.milestones.forEach((m, i) => {
      const y = top + i * rowH + rowH / 2;
      const short = m.name.length > cut ? m.name.slice(0, cut - 1) + "\u2026" : m.name;
      const name = `${i + 1}. ${short}`;
      root.appendChild(svg("text", { x: left - 8, y: y + 5, "text-anchor": "end",
        class: "row-label" }, name));
      if (m.earliest_h !== null || m.latest_h !== null) {
        const a = x(m.earliest_h !== null ? m.earliest_h : t.start_h);
        const b = x(m.latest_h !== null ? m.latest_h : t.end_h);
        root.appendChild(svg("rect", { x: a, y: y - 7, width: Math.max(b - a, 4), height: 14,
          class: "window" }));
      }
      if (m.simulated_h !== null) {
        const cx = x(m.simulated_h);
        root.appendChild(svg("path", { d: `M${cx} ${y - 9}l9 9l-9 9l-9 -9z`,
          class: `diamond ${STATE_CLASS[m.state]}` }));
      }
    });
    root.appendChild(svg("line", { x1: x(t.now_h), y1: 0, x2: x(t.now_h), y2: H, class: "now" }));
    box.appendChild(root);
  }

  function drawMilestones(state) {
    const list = $("milestones");
    clear(list);
    for (const [i, m] of state.milestones.entries()) {
      const item = el("li", `ms ${STATE_CLASS[m.state]}`);
      item.appendChild(el("span", "ms-num", `${i + 1}.`));
      item.dataset.state = m.state;
      item.appendChild(el("span", `chip ${STATE_CLASS[m.state]}`, m.state));
      const body = el("div", "ms-body");
      const head = el("div", "ms-head");
      head.appendChild(el("span", "ms-name", m.name));
      head.appendChild(el("span", "ms-short", m.short));
      body.appendChild(head);
      body.appendChild(el("div", "ms-when", `${m.when}; record ${m.window}; ${m.verdict}`));
      item.appendChild(body);
      list.appendChild(item);
    }
  }

  function bar(done, total) {
    const cell = el("div", "bar-cell");
    if (!(total > 0)) {
      cell.appendChild(el("span", "bar-figure none", "-"));
      return cell;
    }
    const track = el("span", "bar-track");
    const fill = el("span", "bar-fill");
    fill.style.width = `${Math.min(100, (100 * done) / total)}%`;
    track.appendChild(fill);
    cell.appendChild(track);
    const fmt = (v) => Math.round(v).toLocaleString("en-GB");
    cell.appendChild(el("span", "bar-figure", `${fmt(done)} / ${fmt(total)}`));
    return cell;
  }

  function drawClosure(state) {
    const box = $("closure");
    clear(box);
    for (const head of ["", "people", "vehicles", "tonnes"]) box.appendChild(el("div", "head", head));
    for (const c of state.closure) {
      box.appendChild(el("div", "nation-name", c.nation));
      box.appendChild(bar(c.personnel.done, c.personnel.total));
      box.appendChild(bar(c.vehicles.done, c.vehicles.total));
      box.appendChild(bar(c.tonnes.done, c.tonnes.total));
    }
  }

  function fillList(id, items, cls) {
    const list = $(id);
    if (!list) return;
    clear(list);
    if (!items.length) list.appendChild(el("li", "none", "none"));
    for (const text of items) list.appendChild(el("li", cls || "", text));
  }

  // The room shows the units that are moving or waiting (the others are summed up in a
  // line), and as many as fit its panel: a projector does not scroll.
  const ACTIVE = new Set(["moving", "waiting", "busy", "stranded"]);

  function drawUnits(state) {
    const units = $("units");
    clear(units);
    const room = view === "room";
    const shown = room ? state.units.filter((u) => u.states.some((s) => ACTIVE.has(s))) : state.units;
    for (const u of shown) {
      const item = el("li", "unit");
      item.appendChild(el("span", "unit-name", `${u.name} (${u.nation})`));
      item.appendChild(el("span", "unit-doing", u.doing));
      units.appendChild(item);
    }
    if (!room) return;
    const closed = state.units.filter((u) => u.states.length && u.states.every((s) => s === "closed")).length;
    const rest = state.units.length - shown.length - closed;
    const parts = [];
    if (closed) parts.push(`${closed} closed`);
    if (rest) parts.push(`${rest} not yet moving`);
    if (!shown.length) parts.unshift("none moving or waiting");
    let more = null;
    const note = () => {
      if (more) more.remove();
      const hidden = shown.length - (units.children.length);
      const words = hidden > 0 ? [`${hidden} more moving or waiting`, ...parts] : parts;
      if (!words.length) return;
      more = el("li", "unit more", words.join("; "));
      units.appendChild(more);
    };
    note();
    while (units.scrollHeight > units.clientHeight + 1 && units.children.length > 1) {
      if (more) more.remove();
      more = null;
      units.removeChild(units.lastChild);
      note();
    }
  }

  function drawDecision(state) {
    const card = $("decision");
    clear(card);
    card.hidden = state.pending.length === 0;
    for (const p of state.pending) {
      card.appendChild(el("h2", "", "Decision"));
      card.appendChild(el("p", "prompt", p.prompt));
      const options = el("ol", "options");
      for (const o of p.options) {
        const item = el("li", o.default ? "option default" : "option");
        if (view === "console") {
          const button = el("button", "choose", o.label);
          button.type = "button";
          button.dataset.inject = p.inject;
          button.dataset.option = o.id;
          button.addEventListener("click", () => act("choose", { inject: p.inject, option: o.id }));
          item.appendChild(button);
        } else {
          item.textContent = o.label;
        }
        if (o.default) item.appendChild(el("span", "default-mark", " (default)"));
        options.appendChild(item);
      }
      card.appendChild(options);
    }
  }

  function drawDelta(state) {
    const card = $("delta");
    clear(card);
    card.hidden = !state.delta;
    if (!state.delta) return;
    card.appendChild(el("h2", "", "What it changed"));
    card.appendChild(el("p", "said", state.delta.said));
    const list = el("ul", "plain");
    for (const line of state.delta.lines) list.appendChild(el("li", "", line));
    card.appendChild(list);
    if (state.version > shown && shown > 0) {
      card.classList.remove("flash");
      void card.offsetWidth;
      card.classList.add("flash");
    }
  }

  function render(state) {
    document.title = `${view === "room" ? "Room" : "Console"}: ${state.title}`;
    $("title").textContent = state.title;
    $("utc").textContent = state.clock.utc;
    $("dday").textContent = state.clock.d;
    const local = $("local");
    clear(local);
    for (const text of state.clock.local) local.appendChild(el("div", "", text));
    drawDecision(state);
    drawDelta(state);
    drawMilestones(state);
    drawClosure(state);
    fillList("denied", state.denied);
    drawUnits(state);
    fillList("tasks", [
      ...state.tasks.under_way.map((t) => `under way: ${t}`),
      ...state.tasks.next.map((t) => `next: ${t}`),
    ]);
    fillList("records", state.records.map((r) => `${r.time}: ${r.text}`));
    drawTimeline(state);
    updateMap(state);
    if (view === "console") {
      $("undo").disabled = !state.can_undo || state.ended;
      $("next").disabled = state.pending.length > 0 || state.at_end || state.ended;
      $("ended").hidden = !state.ended;
      for (const b of document.querySelectorAll(".controls button")) {
        if (state.ended) b.disabled = true;
      }
    } else if (state.ended) {
      status("The session is over.");
    }
    document.body.dataset.version = String(state.version);
    shown = state.version;
  }

  // ------------------------------------------------------------------ the server
  async function act(action, body) {
    const message = $("message");
    message.className = "message";
    message.textContent = "...";
    try {
      const response = await fetch(`/api/${action}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-Tabletop-Token": token },
        body: JSON.stringify(body || {}),
      });
      const data = await response.json();
      if (!response.ok) {
        message.className = "message refused";
        message.textContent = "refused: " + data.error.join("; ");
        return false;
      }
      message.textContent = data.said || "done";
      await refresh();
      return true;
    } catch (error) {
      message.className = "message refused";
      message.textContent = "the server does not answer";
      return false;
    }
  }

  async function refresh() {
    const response = await fetch("/api/state");
    if (response.ok) {
      const state = await response.json();
      if (state.version > shown) render(state);
    }
  }

  function controls() {
    $("room-link").href = "/room";
    $("next").addEventListener("click", () => act("advance", {}));
    $("go").addEventListener("click", () => {
      const to = $("to").value.trim();
      if (to) act("advance", { to: to });
    });
    $("undo").addEventListener("click", () => act("undo", {}));
    $("end").addEventListener("click", async () => {
      if (!window.confirm("End the session? Every decision still to come takes its default.")) return;
      if (await act("end", {})) $("ended").hidden = false;
    });
    const submit = (input, action, key) => async () => {
      const text = $(input).value;
      if (text.trim() && (await act(action, { [key]: text }))) $(input).value = "";
    };
    $("apply").addEventListener("click", submit("change", "change", "text"));
    $("keep").addEventListener("click", submit("note", "note", "text"));
    for (const [input, button] of [["change", "apply"], ["note", "keep"], ["to", "go"]]) {
      $(input).addEventListener("keydown", (e) => { if (e.key === "Enter") $(button).click(); });
    }
  }

  async function start() {
    const response = await fetch("/api/map");
    map = await response.json();
    drawMap(map);
    if (view === "console") {
      const list = $("targets");
      for (const t of map.targets) {
        const option = document.createElement("option");
        option.value = t.id;
        option.label = t.label;
        list.appendChild(option);
      }
      controls();
    }
    const events = new EventSource("/api/events");
    events.addEventListener("state", (e) => {
      const state = JSON.parse(e.data);
      status("");
      if (state.version > shown) render(state);
    });
    events.addEventListener("error", () => status("reconnecting to the console..."));
  }

  start();
})();
