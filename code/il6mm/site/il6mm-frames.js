// il6mm interactive figures on the static site (see il6mm.figures.interactive and il6mm.site.frames).
// The page holds, per figure, native labelled controls (hidden until this runs), the default frame as a
// plain <picture>/<img>, and a JSON table of every frame's file, size and alt text. Moving a control shows
// that frame's file. The other frames of the rendition in use are fetched when the reader first reaches for
// a control of that figure (pointer, touch or keyboard focus), so every later change is served from the
// cache, and a reader who only scrolls past a figure downloads nothing more than its default frame.
(function () {
  "use strict";

  function setup(figure) {
    var table = JSON.parse(figure.querySelector("script.il6mm-frames").textContent);
    var inputs = Array.prototype.slice.call(figure.querySelectorAll("[data-il6mm-control]"));
    var img = figure.querySelector("picture.il6mm-frame img");
    var source = figure.querySelector("picture.il6mm-frame source");
    var narrowQuery = source && window.matchMedia(source.getAttribute("media"));

    function key() {
      return inputs.map(function (el) { return el.value; }).join(",");
    }
    // A control none of whose choices would change the figure from here is switched off, with its reason.
    function markInert() {
      var off = (table.inert || {})[key()] || {};
      inputs.forEach(function (el, i) {
        var why = document.getElementById(el.id + "-why");
        var reason = off[String(i)];
        el.disabled = !!reason;
        if (why) {
          why.textContent = reason || "";
          why.hidden = !reason;
        }
      });
    }
    function show() {
      var frame = table.frames[key()];
      if (!frame) return;
      inputs.forEach(function (el, i) {
        var text = table.controls[i].labels[Number(el.value)];
        if (el.type === "range") {
          el.setAttribute("aria-valuetext", text);
          var out = el.parentNode.querySelector("output");
          if (out) out.textContent = text;
        }
      });
      if (source && frame.narrow) {
        source.srcset = frame.narrow;
        source.width = frame.narrowWidth;
        source.height = frame.narrowHeight;
      }
      markInert();
      img.width = frame.width;
      img.height = frame.height;
      img.src = frame.src;
      img.alt = frame.alt;
      figure.setAttribute("data-il6mm-key", key());
    }
    inputs.forEach(function (el) {
      el.addEventListener("input", show);
      el.addEventListener("change", show);
    });
    markInert();
    figure.querySelector(".il6mm-controls").hidden = false;
    figure.setAttribute("data-il6mm-key", key());
    figure.setAttribute("data-il6mm-ready", "true");

    var fetched = false;
    function prefetch() {
      if (fetched) return;
      fetched = true;
      var narrow = narrowQuery && narrowQuery.matches;
      Object.keys(table.frames).forEach(function (k) {
        var frame = table.frames[k];
        var pre = new Image();
        pre.decoding = "async";
        pre.src = narrow && frame.narrow ? frame.narrow : frame.src;
      });
    }
    var controls = figure.querySelector(".il6mm-controls");
    ["pointerdown", "touchstart", "focusin", "mouseover"].forEach(function (type) {
      controls.addEventListener(type, prefetch, {passive: true});
    });
  }

  function start() {
    document.querySelectorAll(".il6mm-interactive").forEach(function (figure) {
      try {
        setup(figure);
      } catch (err) {
        console.error("il6mm: an interactive figure could not start", err);
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
