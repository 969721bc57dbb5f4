"""Verify a Warden access token through its JWKS, as a FastAPI (or any Python) service would.

Usage: python3 verify.py <jwks_url> <token> <issuer> <audience>
Prints the token's subject (the user id) and exits 0, or prints why it was refused and exits 1.
Needs PyJWT with the cryptography backend (Debian: apt-get install python3-jwt).
"""
import sys

import jwt

# Asymmetric algorithms only: a resource server never accepts a token it could have minted.
ALGORITHMS = ["ES256", "ES384", "RS256", "RS384", "PS256", "EdDSA"]


def verify(jwks_client: jwt.PyJWKClient, token: str, issuer: str, audience: str) -> dict:
    """The verified claims of a Warden access token; raises jwt.PyJWTError otherwise."""
    signing_key = jwks_client.get_signing_key_from_jwt(token)  # picks the key by `kid`
    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=ALGORITHMS,
        issuer=issuer,
        audience=audience,
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )
    # RFC 9068: an access token is typed at+jwt, so an ID token or other JWT is not accepted.
    if jwt.get_unverified_header(token).get("typ") != "at+jwt":
        raise jwt.InvalidTokenError("not an access token (typ is not at+jwt)")
    return claims


def main(argv: list[str]) -> int:
    if len(argv) != 5:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    jwks_url, token, issuer, audience = argv[1:]
    try:
        claims = verify(jwt.PyJWKClient(jwks_url), token, issuer, audience)
    except jwt.PyJWTError as error:
        print(f"refused: {error}", file=sys.stderr)
        return 1
    print(claims["sub"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
