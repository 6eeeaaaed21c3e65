// il6mm interactive figures: loaded by myst-nb on pages with widgets only, BEFORE the widget manager
// (nb_ipywidgets_js in _config.yml). It does four small jobs the manager does not:
//  1. makes the manager load its font files from this folder (it would look under the page's folder);
//  2. lets the manager typeset labels with MathJax 3 (it only knows MathJax 2's MathJax.Hub.Queue,
//     which throws on pages with math and stops the figure from rendering);
//  3. copies each frame's alt text (the image widget's tooltip, set by il6mm.figures.interactive) into <img alt>,
//     names each slider handle after its label and gives it the option label as its value text;
//  4. marks a figure data-il6mm-ready="true" once a frame with alt text is shown.
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src.replace(/[?#].*$/, "");
  if (here) {
    var folder = here.replace(/[^/]*$/, "");
    window.__jupyter_widgets_assets_path__ = folder;
    // The manager's bundle finds its fonts next to the AMD module it defines: map that module here.
    // (A global `require` object before require.js loads is require.js's documented configuration.)
    if (!window.require) window.require = { paths: { "@jupyter-widgets/html-manager/dist": folder.slice(0, -1) } };
  }

  function addHubShim() {
    var mathjax = window.MathJax;
    if (!mathjax || mathjax.Hub) return;
    mathjax.Hub = {
      Queue: function (job) {
        var element = job && job[2];
        var mj = window.MathJax;
        if (!element || !mj || !mj.startup || !mj.typesetPromise) return;
        mj.startup.promise.then(function () { return mj.typesetPromise([element]); })
          .catch(function (err) { console.warn("il6mm: MathJax could not typeset a widget label", err); });
      },
    };
  }

  function setAttr(el, name, value) {
    if (value && el.getAttribute(name) !== value) el.setAttribute(name, value);
  }
  function fix() {
    document.querySelectorAll(".il6mm-interactive").forEach(function (figure) {
      figure.querySelectorAll("img").forEach(function (img) { setAttr(img, "alt", img.getAttribute("title")); });
      figure.querySelectorAll("[role=slider]").forEach(function (handle) {
        var box = handle.closest(".widget-slider, .widget-hslider, .widget-vslider");
        if (!box) return;
        var label = box.querySelector("label.widget-label");
        var readout = box.querySelector(".widget-readout");
        if (label) setAttr(handle, "aria-label", label.textContent.trim());
        if (readout) setAttr(handle, "aria-valuetext", readout.textContent.trim());
      });
      var img = figure.querySelector("img[alt]");
      if (img && img.getAttribute("src")) setAttr(figure, "data-il6mm-ready", "true");
    });
  }

  // MathJax 3 replaces window.MathJax (its configuration) with itself while loading: shim both.
  addHubShim();
  document.addEventListener("DOMContentLoaded", addHubShim);
  window.addEventListener("load", addHubShim);
  new MutationObserver(fix).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true, attributes: true,
    attributeFilter: ["src", "title", "aria-valuenow"],
  });
})();
