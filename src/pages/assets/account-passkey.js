// "Add a passkey" on /account: the registration ceremony of the passkey API, through the browser's
// WebAuthn (via @simplewebauthn/browser, loaded before this file). No inline script: the page's CSP forbids it.
(function () {
  'use strict';
  var button = document.getElementById('passkey-add');
  var status = document.getElementById('passkey-status');
  var nameInput = document.getElementById('passkey-name');
  if (!button || !status) return;
  var webauthn = window.SimpleWebAuthnBrowser;
  if (!webauthn || !webauthn.browserSupportsWebAuthn()) {
    button.disabled = true;
    status.textContent = 'This browser cannot create passkeys.';
    return;
  }

  function say(text) {
    status.textContent = text;
  }

  // The API authenticates with the access cookie, which lives 15 minutes: renew it once when it expired.
  function post(path, body, renewed) {
    return fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    }).then(function (res) {
      if (res.status === 401 && !renewed) {
        return fetch('/auth/refresh', { method: 'POST', credentials: 'same-origin' }).then(function (refreshed) {
          if (!refreshed.ok) throw new Error('Your session has ended. Reload the page and sign in again.');
          return post(path, body, true);
        });
      }
      return res.json().then(
        function (json) {
          if (!res.ok) throw new Error(Array.isArray(json.message) ? json.message.join(' ') : json.message);
          return json;
        },
        function () {
          throw new Error('The server did not answer as expected (' + res.status + ').');
        },
      );
    });
  }

  button.addEventListener('click', function () {
    button.disabled = true;
    say('Follow the instructions of your browser or device…');
    var name = nameInput ? nameInput.value.trim() : '';
    post('/auth/passkeys/registration/options', {})
      .then(function (started) {
        return webauthn.startRegistration({ optionsJSON: started.options }).then(function (credential) {
          var body = { challenge_id: started.challenge_id, credential: credential };
          if (name) body.name = name;
          return post('/auth/passkeys/registration', body);
        });
      })
      .then(function () {
        say('Passkey added.');
        // A GET of /account shows the new passkey (never a reload of a page that answered a POST).
        if (window.location.pathname === '/account') {
          window.location.hash = 'passkeys';
          window.location.reload();
        } else {
          window.location.assign('/account#passkeys');
        }
      })
      .catch(function (error) {
        button.disabled = false;
        var cancelled = error && (error.name === 'NotAllowedError' || error.name === 'AbortError');
        say(cancelled ? 'No passkey was added.' : 'The passkey could not be added: ' + (error.message || error));
      });
  });
})();
