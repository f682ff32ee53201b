// Radar charts (templates/evaluations/_radar.html, evaluations/radar.py): every <div data-radar="ID"> draws the
// json_script data of that ID with ECharts. The table under it is the fallback: once a chart draws, the table
// is hidden from sight (not from screen readers or print) behind a "查看数据表" button.
// Each partial loads this file (deferred), so it runs once however many charts a page has. No inline script (CSP).
(function () {
  "use strict";
  if (window.appRadarLoaded) { return; }
  window.appRadarLoaded = true;

  // Party red, gold, then Bootstrap's greys and blue for any further series.
  var COLORS = ["#C8161D", "#D4A017", "#6c757d", "#0d6efd"];
  var drawn = [];

  // ECharts does not wrap axis names: a long section title breaks into lines of at most `size` characters,
  // evened out so that no line is a lone character.
  function wrap(text, size) {
    var count = Math.ceil(text.length / size);
    var length = Math.ceil(text.length / count);
    var lines = [];
    for (var i = 0; i < text.length; i += length) { lines.push(text.slice(i, i + length)); }
    return lines.join("\n");
  }

  function options(data, box) {
    var narrow = box.clientWidth < 480;
    var font = window.getComputedStyle(box).fontFamily;
    return {
      color: COLORS,
      textStyle: { fontFamily: font },
      animation: !window.matchMedia("(prefers-reduced-motion: reduce)").matches,
      // Drawn on the canvas: ECharts' HTML tooltips carry inline styles, which the CSP refuses.
      tooltip: { trigger: "item", renderMode: "richText", confine: true },
      legend: { bottom: 0, itemGap: 16, textStyle: { fontSize: 13 } },
      radar: {
        center: ["50%", "46%"],
        radius: narrow ? "52%" : "64%",
        indicator: data.indicators.map(function (indicator) { return { name: indicator.name, max: indicator.max }; }),
        axisName: {
          color: "#495057",
          fontSize: narrow ? 11 : 12,
          lineHeight: narrow ? 14 : 16,
          formatter: function (name) { return wrap(name, narrow ? 6 : 10); },
        },
        splitArea: { areaStyle: { color: ["#fbfaf7", "#ffffff"] } },
        splitLine: { lineStyle: { color: "#e7e3dc" } },
        axisLine: { lineStyle: { color: "#e7e3dc" } },
      },
      series: [{
        type: "radar",
        symbolSize: 5,
        data: data.series.map(function (series, index) {
          var color = COLORS[index % COLORS.length];
          return {
            name: series.name,
            // ECharts draws a missing value ("-") at the centre; the partial's note and the table say it is missing.
            value: series.values.map(function (value) { return value === null ? "-" : value; }),
            lineStyle: { color: color, width: 2 },
            itemStyle: { color: color },
            areaStyle: { color: color, opacity: index === 0 ? 0.25 : 0.15 },
          };
        }).filter(function (item) {
          // A series with no value at all (an average with no other site) would be a dot: the table shows it.
          return item.value.some(function (value) { return value !== "-"; });
        }),
      }],
    };
  }

  function collapseTable(box, collapsed) {
    var card = box.closest("[data-radar-card]");
    if (!card) { return; }
    var table = card.querySelector("[data-radar-table]");
    var toggle = card.querySelector("[data-radar-toggle]");
    var note = card.querySelector("[data-radar-note]");
    if (table) { table.classList.toggle("radar-table-collapsed", collapsed); }
    if (note) { note.hidden = false; }
    if (toggle) {
      toggle.hidden = false;
      toggle.setAttribute("aria-expanded", collapsed ? "false" : "true");
      toggle.textContent = collapsed ? toggle.dataset.labelShow : toggle.dataset.labelHide;
    }
  }

  function draw(box) {
    if (box.dataset.radarReady || !window.echarts) { return; }
    var source = document.getElementById(box.dataset.radar);
    if (!source) { return; }
    box.dataset.radarReady = "1";
    var chart = null;
    try {
      var data = JSON.parse(source.textContent);
      box.hidden = false;  // ECharts measures the box when it starts
      chart = window.echarts.init(box);
      chart.setOption(options(data, box));
    } catch (error) {
      // The table stays as it is: the numbers are all there.
      if (chart) { chart.dispose(); }
      box.hidden = true;
      if (window.console) { window.console.error("radar chart", error); }
      return;
    }
    drawn.push({ box: box, chart: chart, data: data });
    collapseTable(box, true);
  }

  function drawAll(root) {
    if (root.matches && root.matches("[data-radar]")) { draw(root); }
    if (root.querySelectorAll) { root.querySelectorAll("[data-radar]").forEach(draw); }
  }

  var pending = null;
  var printing = window.matchMedia("print");
  function resizeAll() {
    window.clearTimeout(pending);
    pending = window.setTimeout(function () {
      // While printing the box's height follows the canvas (app.css scales it to the paper): redrawing then
      // would measure a box with no height of its own and draw nothing.
      if (printing.matches) { return; }
      drawn.forEach(function (item) {
        if (!item.box.isConnected) { return; }
        item.chart.setOption(options(item.data, item.box));  // the axis names wrap by the new width
        item.chart.resize();
      });
    }, 100);
  }
  window.addEventListener("resize", resizeAll);

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("[data-radar-toggle]");
    if (!toggle) { return; }
    var table = document.getElementById(toggle.getAttribute("aria-controls"));
    var card = toggle.closest("[data-radar-card]");
    var box = card && card.querySelector("[data-radar]");
    if (table && box) { collapseTable(box, !table.classList.contains("radar-table-collapsed")); }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  } else {
    drawAll(document);
  }
  // A chart swapped in by htmx draws too (when the page loaded ECharts already).
  document.addEventListener("htmx:load", function (event) { drawAll(event.target); });
})();
