/* Passerelle: small progressive enhancements. Vanilla JS, no inline handlers,
   compatible with Content-Security-Policy "script-src 'self'".
   Load with <script src=".../js/app.js" defer></script> after vendor scripts.

   Hooks:
     <select data-autosubmit>            submits its form when changed
     <canvas data-chart='{...}'>         Chart.js chart from a JSON config
     <div data-poll-url="/jobs/ID">      polls JSON {state, progress, download_url}
         .progress-bar  a.download-link  .poll-error  (.poll-status optional)
     <form data-confirm="msg">, <button type="submit" data-confirm="msg">,
     <a data-confirm="msg">              ask confirm() first
     <div class="table-responsive">      when its table is wider than the box: focusable
                                         (keyboard scrolling), a named region
*/
(function () {
  'use strict';

  document.documentElement.classList.add('js');

  var POLL_INTERVAL_MS = 1000;
  var MAX_POLL_ERRORS = 30; // consecutive network/5xx failures before giving up

  function reveal(el) {
    if (!el) return;
    el.hidden = false;
    el.classList.remove('d-none', 'visually-hidden');
  }

  /* (d) confirm before submit / follow */
  function confirmed(el) {
    var msg = el && el.getAttribute('data-confirm');
    return !msg || window.confirm(msg);
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    var submitter = event.submitter || null;
    if (!submitter) {
      var active = document.activeElement;
      if (active && active.form === form) submitter = active;
    }
    // Ask once: the button's message wins over the form's.
    var source = submitter && submitter.hasAttribute('data-confirm') ? submitter : form;
    if (!confirmed(source)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[data-confirm]');
    if (link && !confirmed(link)) event.preventDefault();
  });

  /* (a) auto-submit selects */
  document.addEventListener('change', function (event) {
    var select = event.target;
    if (!select.matches || !select.matches('select[data-autosubmit]') || !select.form) return;
    if (typeof select.form.requestSubmit === 'function') {
      select.form.requestSubmit(); // fires "submit", so data-confirm still applies
    } else {
      select.form.submit();
    }
  });

  /* (b) Chart.js charts from data-chart JSON */
  function initCharts(root) {
    if (!window.Chart) return;
    var reduceMotion = window.matchMedia &&
      window.matchMedia('(prefers-reduced-motion: reduce)').matches;
    root.querySelectorAll('canvas[data-chart]').forEach(function (canvas) {
      if (canvas.dataset.chartReady) return;
      var config;
      try {
        config = JSON.parse(canvas.getAttribute('data-chart'));
      } catch (err) {
        console.error('Passerelle: invalid data-chart JSON', canvas, err);
        return;
      }
      if (reduceMotion) {
        config.options = config.options || {};
        config.options.animation = false;
      }
      if (!canvas.hasAttribute('role')) canvas.setAttribute('role', 'img');
      try {
        new window.Chart(canvas, config);
        canvas.dataset.chartReady = '1';
      } catch (err) {
        console.error('Passerelle: chart failed', canvas, err);
      }
    });
  }

  /* (c) progress polling */
  function setProgress(container, pct) {
    var bar = container.querySelector('.progress-bar');
    if (!bar) return;
    var value = Math.max(0, Math.min(100, Math.round(Number(pct) || 0)));
    bar.style.width = value + '%';
    bar.setAttribute('aria-valuenow', String(value));
    bar.textContent = value + '%';
    // Bootstrap 5.3 puts role="progressbar" on the .progress wrapper.
    var wrapper = bar.parentElement && bar.parentElement.closest('[role="progressbar"]');
    if (wrapper && container.contains(wrapper)) wrapper.setAttribute('aria-valuenow', String(value));
  }

  function sameOriginUrl(url) {
    try {
      var parsed = new URL(url, window.location.href);
      return parsed.origin === window.location.origin ? parsed.href : null;
    } catch (err) {
      return null;
    }
  }

  function fail(container) {
    var bar = container.querySelector('.progress-bar');
    if (bar) {
      bar.classList.remove('progress-bar-animated', 'progress-bar-striped');
      bar.classList.add('bg-danger');
    }
    reveal(container.querySelector('.poll-error'));
  }

  function startPolling(container) {
    if (container.dataset.pollStarted) return;
    container.dataset.pollStarted = '1';
    var url = container.getAttribute('data-poll-url');
    var errors = 0;
    var status = container.querySelector('.poll-status');

    function schedule() {
      if (!document.documentElement.contains(container)) return; // removed from page
      window.setTimeout(tick, POLL_INTERVAL_MS);
    }

    function handle(data) {
      errors = 0;
      if (status && data.state) status.textContent = data.state;
      if (data.progress !== undefined && data.progress !== null) setProgress(container, data.progress);
      if (data.state === 'done') {
        setProgress(container, 100);
        var bar = container.querySelector('.progress-bar');
        if (bar) bar.classList.remove('progress-bar-animated');
        var link = container.querySelector('a.download-link');
        var href = data.download_url && sameOriginUrl(data.download_url);
        if (link && href) link.href = href;
        if (link && link.getAttribute('href')) reveal(link);
        return;
      }
      if (data.state === 'failed') {
        fail(container);
        return;
      }
      schedule();
    }

    function tick() {
      fetch(url, {
        headers: { 'Accept': 'application/json' },
        credentials: 'same-origin',
        cache: 'no-store'
      }).then(function (response) {
        if (response.status >= 400 && response.status < 500) {
          throw Object.assign(new Error('HTTP ' + response.status), { fatal: true });
        }
        if (!response.ok) throw new Error('HTTP ' + response.status);
        return response.json();
      }).then(handle).catch(function (err) {
        errors += 1;
        if (err.fatal || errors >= MAX_POLL_ERRORS) {
          console.error('Passerelle: polling stopped', url, err);
          fail(container);
        } else {
          schedule();
        }
      });
    }

    tick();
  }


  /* (e) document uploads: a category per file, and a progress bar.
     <form data-upload> with input[type=file][name=files], a select[name=category]
     whose options are copied for each file into [data-upload-files], a <progress>
     and [data-upload-status]. Sent with XMLHttpRequest and the header X-Upload:
     xhr, the server answers {"location": …}, which the page then opens (the flash
     message waits there). Without script the form posts as usual. */
  function perFileCategories(form) {
    var input = form.querySelector('input[type=file][name=files]');
    var holder = form.querySelector('[data-upload-files]');
    var model = form.querySelector('select[name=category]');
    if (!input || !holder || !model || !input.multiple) return;
    input.addEventListener('change', function () {
      holder.textContent = '';
      if (input.files.length < 2) return;
      Array.prototype.forEach.call(input.files, function (file, n) {
        var row = document.createElement('div');
        row.className = 'mb-1';
        var label = document.createElement('label');
        label.className = 'form-label small mb-0';
        label.htmlFor = form.id + 'category-' + n + '-' + Math.random().toString(36).slice(2);
        label.textContent = file.name;
        var select = model.cloneNode(true);
        select.name = 'category-' + n;
        select.id = label.htmlFor;
        select.required = false;
        select.value = model.value;
        row.appendChild(label);
        row.appendChild(select);
        holder.appendChild(row);
      });
    });
  }

  /* A refused form comes back as the page, re-rendered with its errors beside the
     fields and the typed text kept (400/422, HTML): show that page's <main> as the
     server wrote it, as a post without script would, and focus its error summary.
     The files must be chosen again: a browser never refills a file input. */
  function showRefusedPage(xhr) {
    var type = xhr.getResponseHeader('Content-Type') || '';
    if ((xhr.status !== 400 && xhr.status !== 422) || type.indexOf('text/html') !== 0) return false;
    var answer = new DOMParser().parseFromString(xhr.responseText, 'text/html');
    var fresh = answer.querySelector('main');
    var main = document.querySelector('main');
    if (!fresh || !main) return false;
    var shown = document.importNode(fresh, true);
    main.replaceWith(shown);
    if (answer.title) document.title = answer.title;
    markScrollableTables();
    initCharts(shown);
    shown.querySelectorAll('form[data-upload]').forEach(perFileCategories);
    var summary = shown.querySelector('[data-form-errors], [data-action-errors]');
    if (summary) {
      summary.scrollIntoView({ block: 'center' });
      summary.focus();
    }
    return true;
  }

  function sendWithProgress(form, event) {
    if (!window.FormData || !window.XMLHttpRequest) return;
    var input = form.querySelector('input[type=file][name=files]');
    if (!input || !input.files || input.files.length === 0) return;
    event.preventDefault();
    var bar = form.querySelector('progress');
    var status = form.querySelector('[data-upload-status]');
    var button = form.querySelector('button[type=submit]');
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    xhr.setRequestHeader('X-Upload', 'xhr');
    xhr.upload.addEventListener('progress', function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      if (bar) { reveal(bar); bar.value = percent; }
      if (status) status.textContent = percent + ' %';
    });
    xhr.addEventListener('load', function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (err) { answer = null; }
      if (answer && answer.location) {
        // The same page with a #fragment would only scroll: reload it to show the news.
        var target = new URL(answer.location, window.location.href);
        var here = window.location;
        if (target.pathname + target.search === here.pathname + here.search) {
          here.hash = target.hash;
          here.reload();
        } else {
          here.assign(target.href);
        }
        return;
      }
      if (showRefusedPage(xhr)) return;
      if (button) button.disabled = false;
      if (status) {
        status.textContent = xhr.status === 413
          ? (form.getAttribute('data-too-large') || 'Trop volumineux / Too large')
          : (form.getAttribute('data-failed') || 'Échec de l’envoi / Upload failed') + ' (' + xhr.status + ')';
      }
    });
    xhr.addEventListener('error', function () {
      if (button) button.disabled = false;
      if (status) status.textContent = form.getAttribute('data-failed') || 'Échec de l’envoi / Upload failed';
    });
    if (button) button.disabled = true;
    xhr.send(new FormData(form));
  }

  document.addEventListener('submit', function (event) {
    var form = event.target;
    if (form.matches && form.matches('form[data-upload]') && !event.defaultPrevented) {
      sendWithProgress(form, event);
    }
  });

  /* A table wider than its box scrolls inside it: keyboard users reach it with Tab
     and scroll it with the arrows (WCAG 2.1.1); it is named by its caption. */
  function markScrollableTables() {
    document.querySelectorAll('.table-responsive').forEach(function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute('tabindex')) {
        var caption = box.querySelector('caption');
        box.setAttribute('tabindex', '0');
        box.setAttribute('role', 'region');
        if (caption && caption.textContent.trim()) {
          box.setAttribute('aria-label', caption.textContent.trim());
        }
        box.setAttribute('data-scrollable', '');
      } else if (!scrolls && box.hasAttribute('data-scrollable')) {
        ['tabindex', 'role', 'aria-label', 'data-scrollable'].forEach(function (name) {
          box.removeAttribute(name);
        });
      }
    });
  }

  var resizeTimer = null;
  window.addEventListener('resize', function () {
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(markScrollableTables, 150);
  });

  function init() {
    markScrollableTables();
    initCharts(document);
    document.querySelectorAll('form[data-upload]').forEach(perFileCategories);
    document.querySelectorAll('[data-poll-url]').forEach(startPolling);
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
