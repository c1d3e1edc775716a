/* permsym: let the static widget manager (@jupyter-widgets/html-manager, vendored under
 * vendor/html-manager/) run offline next to MathJax 3.  Loaded after require.js and before
 * embed-amd.js (the order of `nb_ipywidgets_js` in _config.yml).
 *
 * 1. embed-amd.js defines named AMD modules and computes each one's asset URL (webpack public
 *    path: the Font Awesome fonts of the widget CSS) from the module's requirejs URL, which by
 *    default is "<page folder>/@jupyter-widgets/...". Map those names onto the vendored dist/.
 * 2. The widget labels are typeset through the MathJax 2 API (MathJax.Hub.Queue); Sphinx loads
 *    MathJax 3. Provide a small MathJax.Hub that forwards to MathJax 3's typesetPromise.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  // This file is _static/permsym-widgets.js; the vendored files are in vendor/ next to _static/.
  var dist = new URL("../vendor/html-manager/dist/", script ? script.src : document.baseURI).href;

  window.__jupyter_widgets_assets_path__ = dist;
  if (window.requirejs && window.requirejs.config) {
    var names = {
      "@jupyter-widgets/base": "base",
      "@jupyter-widgets/base7": "base7",
      "@jupyter-widgets/controls": "controls",
      "@jupyter-widgets/controls7": "controls7",
      "@jupyter-widgets/html-manager": "html-manager",
      "@jupyter-widgets/html-manager/dist/libembed-amd": "libembed-amd"
    };
    var paths = {};
    Object.keys(names).forEach(function (name) { paths[name] = dist + names[name]; });
    window.requirejs.config({ paths: paths });
  }

  // Chained on MathJax.startup.promise, as the MathJax 3 documentation advises, so calls run
  // one at a time and whoever waits for that promise waits for the labels too.
  function typeset(element) {
    var mj = window.MathJax;
    if (!mj || typeof mj.typesetPromise !== "function" || !mj.startup) { return; }
    mj.startup.promise = (mj.startup.promise || Promise.resolve()).then(function () {
      return mj.typesetPromise(element ? [element] : undefined);
    }).catch(function (err) { console.warn("MathJax could not typeset a widget label", err); });
  }

  var hub = {
    Queue: function () {
      Array.prototype.forEach.call(arguments, function (item) {
        if (Array.isArray(item) && item[0] === "Typeset") { typeset(item[2]); }
        else if (typeof item === "function") { item(); }
      });
    },
    Typeset: function (element) { typeset(element); }
  };

  // MathJax 3 replaces window.MathJax (the configuration object) when it loads (deferred), so
  // put the shim on whatever window.MathJax is now and again once the deferred scripts ran.
  function install() {
    var mj = window.MathJax;
    if (mj && mj.version && !mj.Hub) { mj.Hub = hub; }
  }
  install();
  document.addEventListener("DOMContentLoaded", install);
  window.addEventListener("load", install, true);
})();
