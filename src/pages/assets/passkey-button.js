// The passkey button of /login ("Sign in with a passkey": POST /auth/login/passkey) and of /mfa
// ("Use a passkey", the second step: POST /auth/login/mfa with the mfa_token cookie the login
// set): the API's authentication options, the browser's WebAuthn ceremony through
// @simplewebauthn/browser, then the box's data-endpoint, which sets the session cookies; then on
// to the page's return_to (already checked by the server). The texts come from the box's data-*.
(function () {
  'use strict';
  var box = document.getElementById('passkey-box');
  var button = document.getElementById('passkey-button');
  var errorBox = document.getElementById('passkey-error');
  var webauthn = window.SimpleWebAuthnBrowser;
  if (!box || !button || !webauthn || !webauthn.browserSupportsWebAuthn()) return;
  button.hidden = false;
  var text = box.dataset;

  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }

  async function post(path, body) {
    var response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
    });
    var data = await response.json().catch(function () {
      return {};
    });
    return { ok: response.ok, status: response.status, data: data };
  }

  button.addEventListener('click', async function () {
    errorBox.hidden = true;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
      var options = await post('/auth/passkeys/authentication/options', {});
      if (!options.ok) return fail(options.data.message || text.unavailable);
      var credential = await webauthn.startAuthentication({ optionsJSON: options.data.options });
      var result = await post(text.endpoint, { challenge_id: options.data.challenge_id, credential: credential });
      if (!result.ok) {
        if (result.status === 401 && text.expired) return fail(text.expired);
        return fail(
          result.status === 429 ? 'Too many attempts. Try again later.' : result.data.message || text.refused,
        );
      }
      window.location.assign(text.returnTo || '/account');
    } catch (error) {
      fail(
        error && error.name === 'NotAllowedError'
          ? 'The passkey prompt was closed. Try again.'
          : 'That passkey could not be used.',
      );
    }
  });
})();
