/* The coverage chart of the unit page. Data and labels come from the json_script #coverage-data. */
(function () {
  "use strict";

  function draw() {
    var el = document.getElementById("coverage-chart");
    var source = document.getElementById("coverage-data");
    if (!el || !source || !window.echarts) {
      return;
    }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(el);
    chart.setOption({
      grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
      xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
      yAxis: { type: "category", inverse: true, data: data.labels, axisLabel: { width: 120, overflow: "break" } },
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          var i = p.dataIndex;
          var rate = data.rates[i] === null ? data.empty : data.rates[i] + "%";
          return data.labels[i] + "<br>" + data.parts[i] + " / " + data.wholes[i] + " (" + rate + ")";
        }
      },
      series: [{
        type: "bar",
        data: data.rates.map(function (rate) { return rate === null ? 0 : rate; }),
        barMaxWidth: 22,
        itemStyle: { color: "#b22222" },
        label: {
          show: true,
          position: "right",
          formatter: function (p) {
            var rate = data.rates[p.dataIndex];
            return rate === null ? data.empty : rate + "%";
          }
        }
      }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
