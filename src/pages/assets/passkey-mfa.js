// "Use a passkey" on /mfa: the second step of the sign-in with a passkey of the same user
// (options, the browser's WebAuthn ceremony, then POST /auth/login/mfa with the mfa_token cookie
// the login set for /auth), then on to the page's return_to (already checked by the server).
(function () {
  'use strict';
  var box = document.getElementById('passkey-mfa');
  var button = document.getElementById('passkey-button');
  var errorBox = document.getElementById('passkey-error');
  var webauthn = window.SimpleWebAuthnBrowser;
  if (!box || !button || !webauthn || !webauthn.browserSupportsWebAuthn()) return;
  button.hidden = false;

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
      if (!options.ok) return fail(options.data.message || 'Passkeys are not available right now.');
      var credential = await webauthn.startAuthentication({ optionsJSON: options.data.options });
      var result = await post('/auth/login/mfa', { challenge_id: options.data.challenge_id, credential: credential });
      if (!result.ok) {
        if (result.status === 401)
          return fail('That passkey was not accepted, or this sign-in expired. Start over if it keeps failing.');
        return fail(
          result.status === 429
            ? 'Too many attempts. Try again later.'
            : result.data.message || 'That passkey could not be used.',
        );
      }
      window.location.assign(box.dataset.returnTo || '/account');
    } catch (error) {
      fail(
        error && error.name === 'NotAllowedError'
          ? 'The passkey prompt was closed. Try again.'
          : 'That passkey could not be used.',
      );
    }
  });
})();
