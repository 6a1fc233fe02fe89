/* The staff home's charts (U11, S4, P2): each .chart-canvas[data-chart] names a
   <script type="application/json"> block (Django's json_script) holding
   {type: "line"|"bar", categories: [...], series: [{name, data}], horizontal?, percent?}.
   Drawn with the vendored Apache ECharts (vendor/echarts/) on a canvas; no tooltip (it would write
   inline styles the CSP refuses, and the table says the same). Without script, or if ECharts is
   missing, nothing here runs: the canvas stays [hidden] and the table stays open. */
(function () {
  "use strict";
  if (!window.echarts) return;
  // Blue and orange: told apart with every common colour-vision deficiency; each series also has its
  // own symbol, and the legend names it.
  var COLOURS = ["#0b4f9c", "#c05600", "#2e7d32"];
  var SYMBOLS = ["circle", "triangle", "rect"];
  var charts = [];

  function option(spec) {
    var values = { type: "value", minInterval: 1, axisLabel: { fontSize: 13 } };
    if (spec.percent) {
      values.max = 100;
      values.axisLabel.formatter = "{value} %";
    }
    // Bars by street name every street; the weeks' dates leave out what would overlap.
    var categories = { type: "category", data: spec.categories,
                       axisLabel: { fontSize: 13, interval: spec.horizontal ? 0 : "auto", hideOverlap: true } };
    return {
      animation: false,
      color: COLOURS,
      textStyle: { fontFamily: "sans-serif" },
      legend: { top: 0, textStyle: { fontSize: 14 } },
      grid: { left: 8, right: 24, top: 40, bottom: 8, containLabel: true },
      xAxis: spec.horizontal ? values : categories,
      yAxis: spec.horizontal ? Object.assign(categories, { inverse: true }) : values,
      series: spec.series.map(function (series, index) {
        return {
          name: series.name,
          type: spec.type,
          data: series.data,
          symbol: SYMBOLS[index % SYMBOLS.length],
          symbolSize: 8,
          label: { show: spec.type === "bar", position: spec.horizontal ? "right" : "top",
                   formatter: spec.percent ? "{c} %" : "{c}" }
        };
      })
    };
  }

  Array.prototype.forEach.call(document.querySelectorAll(".chart-canvas[data-chart]"), function (box) {
    var source = document.getElementById(box.getAttribute("data-chart"));
    if (!source) return;
    var spec;
    try {
      spec = JSON.parse(source.textContent);
    } catch (error) {
      return;
    }
    box.hidden = false;
    // Bars by street: as tall as they are many (in rem, so it grows with large text).
    if (spec.horizontal) box.style.height = Math.max(12, 5 + 2.5 * spec.categories.length) + "rem";
    var chart = window.echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    charts.push(chart);
    box.setAttribute("data-chart-drawn", "true");
    // The chart now shows what the table says: fold the table (one click or Enter opens it again).
    var widget = box.closest(".widget");
    var table = widget && widget.querySelector("details[data-chart-table]");
    if (table) table.open = false;
  });

  window.addEventListener("resize", function () {
    charts.forEach(function (chart) { chart.resize(); });
  });
})();
