/* Password links carry their token in the fragment (/password/reset#token=...),
   which browsers never send to the server, so no access log records it. This
   copies it into the form's field, hides that field and removes the fragment
   from the address bar. Without JavaScript the person pastes the token. */
(function () {
  'use strict';

  function fill() {
    var box = document.querySelector('[data-fragment-token]');
    var input = box && box.querySelector('input[name="token"]');
    if (!input) return;
    var match = /(?:^#|&)token=([^&]+)/.exec(window.location.hash || '');
    if (match) {
      input.value = decodeURIComponent(match[1]);
      if (window.history && window.history.replaceState) {
        window.history.replaceState(null, '', window.location.pathname + window.location.search);
      }
    }
    // Filled from the link (or kept after a refused password): nothing to paste.
    if (input.value) box.hidden = true;
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', fill);
  } else {
    fill();
  }
})();
