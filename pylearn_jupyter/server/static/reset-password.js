// The password reset page (docs/api.md, Accounts: POST /auth/password-reset/confirm).
// The same page is served by the Jupyter server extension (through its API proxy) and is a
// file of the JupyterLite site (straight to the API). The reset code is read from the
// link's query, then removed from the address bar and history; it is sent to the API only.
(function () {
  'use strict';
  var config = JSON.parse(document.getElementById('pylearn-reset-config').textContent);
  // The keys of the PyLearn extension's browser storage (labextension/src/store.ts, KEYS).
  var KEYS = config.keys;
  var form = document.getElementById('pylearn-reset-form');
  var status = document.getElementById('pylearn-reset-status');
  var codeField = document.getElementById('pylearn-reset-code-field');
  var codeInput = document.getElementById('pylearn-reset-code');
  var password = document.getElementById('pylearn-reset-password');
  var again = document.getElementById('pylearn-reset-again');
  var submit = document.getElementById('pylearn-reset-submit');
  var continueBox = document.getElementById('pylearn-reset-continue');
  var continueLink = document.getElementById('pylearn-reset-continue-link');
  continueLink.href = config.continueUrl;

  var params = new URLSearchParams(window.location.search);
  var code = (params.get('token') || '').trim();
  if (params.has('token')) {
    params.delete('token');
    var rest = params.toString();
    window.history.replaceState(null, '', window.location.pathname + (rest ? '?' + rest : ''));
  }
  if (!code) {
    codeField.hidden = false;
  }
  if (!config.apiBase) {
    form.hidden = true;
    say('This PyLearn site has no accounts, so there is no password to reset.', 'error');
    return;
  }

  function say(text, kind) {
    status.textContent = text;
    status.className = kind || '';
  }

  function fieldError(input, text) {
    var box = document.getElementById(input.id + '-error');
    box.textContent = text;
    if (text) {
      input.setAttribute('aria-invalid', 'true');
    } else {
      input.removeAttribute('aria-invalid');
    }
  }

  function cookie(name) {
    var found = document.cookie.split('; ').filter(function (c) {
      return c.indexOf(name + '=') === 0;
    })[0];
    return found ? decodeURIComponent(found.slice(name.length + 1)) : '';
  }

  function problems() {
    var first = null;
    var wanted = code || codeInput.value.trim();
    fieldError(codeInput, '');
    fieldError(password, '');
    fieldError(again, '');
    if (!wanted) {
      fieldError(codeInput, 'Paste the reset code from the mail.');
      first = first || codeInput;
    }
    if (password.value.length < 8) {
      fieldError(password, 'The password needs at least 8 characters.');
      first = first || password;
    } else if (password.value.length > 1024) {
      fieldError(password, 'The password may have at most 1024 characters.');
      first = first || password;
    }
    if (again.value !== password.value) {
      fieldError(again, 'The two passwords differ. Type the same password twice.');
      first = first || again;
    }
    return first;
  }

  function logIn(answer) {
    try {
      var previous = JSON.parse(window.localStorage.getItem(KEYS.session) || 'null');
      if (!previous || !previous.user || previous.user.id !== answer.user.id) {
        window.localStorage.removeItem(KEYS.accountProgress);
        window.localStorage.removeItem(KEYS.acknowledged);
      }
      window.localStorage.setItem(KEYS.session,
        JSON.stringify({ token: answer.token, user: answer.user }));
      window.localStorage.removeItem(KEYS.sessionEnded);
      return true;
    } catch (e) {
      return false;
    }
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    var invalid = problems();
    if (invalid) {
      say('Please correct the fields marked below.', 'error');
      invalid.focus();
      return;
    }
    var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
    if (config.throughJupyter) {
      headers['X-XSRFToken'] = cookie('_xsrf');
    }
    submit.disabled = true;
    say('Setting the new password…');
    fetch(config.apiBase + '/auth/password-reset/confirm', {
      method: 'POST',
      headers: headers,
      credentials: config.throughJupyter ? 'same-origin' : 'omit',
      referrerPolicy: 'no-referrer',
      body: JSON.stringify({ token: code || codeInput.value.trim(), new_password: password.value })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    }).then(function (answer) {
      submit.disabled = false;
      if (answer.status === 200 && answer.body.token && answer.body.user) {
        var kept = logIn(answer.body);
        form.hidden = true;
        document.getElementById('pylearn-reset-intro').hidden = true;
        say('Your new password is set' + (kept ? ' and you are logged in as ' +
          answer.body.user.username : '; log in with it in the PyLearn sidebar') +
          '. Every other session of your account has been logged out.', 'done');
        continueBox.hidden = false;
        continueLink.focus();
      } else if (answer.status === 400) {
        say('This reset link is invalid, already used or older than one hour. Ask for a new ' +
          'one with "Forgot password?" in the PyLearn sidebar.', 'error');
        continueBox.hidden = false;
      } else if (answer.status === 422) {
        say('The API refused the new password: ' + describe(answer.body), 'error');
        password.focus();
      } else if (answer.status === 429) {
        say('Too many attempts. Wait a few minutes, then try again.', 'error');
      } else {
        say('The PyLearn API could not set the password (' + answer.status + '). ' +
          'Try again in a moment.', 'error');
      }
    }).catch(function () {
      submit.disabled = false;
      say('The PyLearn API is not reachable. Check your connection, then try again.', 'error');
    });
  });

  function describe(body) {
    var errors = body && body.errors;
    if (Array.isArray(errors) && errors.length) {
      return errors.map(function (e) { return e.message || String(e); }).join(' ');
    }
    return (body && (body.message || body.detail)) || 'check it, then try again.';
  }
}());
