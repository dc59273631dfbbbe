// newswatch dashboard: keyboard shortcuts and the chart. Data comes from a JSON block in the
// page (never executed); everything else is plain HTML that works without this file.
(function () {
  "use strict";

  function items() {
    return Array.prototype.slice.call(document.querySelectorAll(".item a.open"));
  }

  function move(step) {
    var links = items();
    if (!links.length) return;
    var at = links.indexOf(document.activeElement);
    var next = links[Math.max(0, Math.min(links.length - 1, at < 0 ? 0 : at + step))];
    links.forEach(function (a) { a.closest(".item").classList.remove("current"); });
    next.closest(".item").classList.add("current");
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (tag === "input" || tag === "select" || tag === "textarea") {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    if (event.key === "/") {
      event.preventDefault();
      var q = document.getElementById("q");
      if (q) q.focus();
    } else if (event.key === "j") {
      move(1);
    } else if (event.key === "k") {
      move(-1);
    } else if (event.key === "o" && document.activeElement && document.activeElement.href) {
      window.location = document.activeElement.href;
    }
  });

  var PALETTE = ["#2e7d32", "#c2410c", "#1f5fa8", "#7b1fa2", "#00838f", "#5d4037"];

  function drawChart() {
    var holder = document.getElementById("chart");
    var source = document.getElementById("chart-data");
    if (!holder || !source || typeof uPlot === "undefined") return;
    var data = JSON.parse(source.textContent);
    var topics = Object.keys(data.series);
    var series = [{}].concat(topics.map(function (t, i) {
      return {
        label: t.replace(/_/g, " "),
        stroke: PALETTE[i % PALETTE.length],
        fill: PALETTE[i % PALETTE.length] + "22",
        width: 2,
        points: { show: false },
        paths: uPlot.paths.stepped({ align: 1 }),
      };
    }));
    var columns = [data.x].concat(topics.map(function (t) { return data.series[t]; }));
    var plot;
    function size() {
      return { width: Math.max(280, holder.clientWidth), height: window.innerWidth < 600 ? 220 : 300 };
    }
    var opts = Object.assign(size(), {
      series: series,
      scales: { x: { time: true }, y: { range: function (u, min, max) { return [0, Math.max(1, max)]; } } },
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"); },
      axes: [{}, { label: "matches per day", size: 50, incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] }],
      legend: { live: false },
    });
    plot = new uPlot(opts, columns, holder);
    window.addEventListener("resize", function () { plot.setSize(size()); });
  }

  document.addEventListener("DOMContentLoaded", drawChart);
})();
