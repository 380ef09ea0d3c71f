// The link 'prism start --head' prints carries the token in the fragment (#token=...), which the
// browser never sends: put it in the form and submit it, then forget it. A link opened while the
// login page is already shown changes only the fragment, so that is watched too.
(function () {
  function submitFromFragment() {
    const m = /(?:^|&)token=([^&]+)/.exec(location.hash.substring(1));
    if (m) {
      history.replaceState(null, "", "/login");
      document.getElementById("token").value = decodeURIComponent(m[1]);
      document.getElementById("login").submit();
    }
  }
  window.addEventListener("hashchange", submitFromFragment);
  submitFromFragment();
})();
