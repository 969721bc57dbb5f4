import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { Encoder } from 'cbor-x';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

// Authenticator data flags (WebAuthn L3 §6.1).
const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

// COSE key parameters (RFC 9053): EC2 key type, P-256, ES256.
const COSE_KTY = 1;
const COSE_ALG = 3;
const COSE_CRV = -1;
const COSE_X = -2;
const COSE_Y = -3;
const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

// Plain CBOR, as authenticators write it (CTAP2 canonical: maps from Map values, minimal
// lengths; no record extension, no typed-array or map tags).
const cbor = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: false });
const encode = (value: unknown): Uint8Array => cbor.encode(value);

/** Ways to make a ceremony go wrong, each as a real authenticator or a phishing page would. */
export interface CeremonyTweaks {
  /** The origin the "browser" writes into clientDataJSON (default: the authenticator's origin). */
  origin?: string;
  /** The RP ID whose hash goes into the authenticator data (default: the options' RP ID). */
  rpId?: string;
  /** clientDataJSON `type` (default webauthn.create / webauthn.get). */
  type?: string;
  /** The challenge signed (default: the options' challenge). */
  challenge?: string;
  /** Clear the UV flag (the user was not verified). */
  withoutUserVerification?: boolean;
  /** Clear the UP flag (the user was not present). */
  withoutUserPresence?: boolean;
  /** Sign count to report (assertions; default: the previous one plus one). */
  counter?: number;
  /** Flip a bit of the signature. */
  tamperSignature?: boolean;
  /** userHandle to report (assertions; default: the one stored at creation; null: none). */
  userHandle?: string | null;
  /** Register this existing credential (its id and key) again (creations). */
  reuse?: SoftCredential;
}

export interface SoftCredential {
  /** base64url credential id. */
  id: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  rpId: string;
  /** base64url user handle the RP gave at creation. */
  userHandle: string;
  counter: number;
}

function sha256(data: Buffer | string): Buffer {
  return createHash('sha256').update(data).digest();
}

function u32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
}

function coseEs256(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const key = new Map<number, number | Buffer>([
    [COSE_KTY, COSE_KTY_EC2],
    [COSE_ALG, COSE_ALG_ES256],
    [COSE_CRV, COSE_CRV_P256],
    [COSE_X, Buffer.from(jwk.x!, 'base64url')],
    [COSE_Y, Buffer.from(jwk.y!, 'base64url')],
  ]);
  return Buffer.from(encode(key));
}

/**
 * A software passkey authenticator for tests without a browser: a P-256 key per credential,
 * `none` attestation, discoverable credentials, the authenticator-data and attestation-object
 * layouts of WebAuthn L3 (§6.1, §6.5), and the clientDataJSON a browser would write. It stands
 * in for both the authenticator and the browser, so tests can also play a phishing origin.
 */
export class SoftAuthenticator {
  readonly credentials: SoftCredential[] = [];
  /** Backup eligible and backed up (a synced passkey) unless set false. */
  backedUp = true;

  constructor(readonly origin: string) {}

  /** navigator.credentials.create(): a RegistrationResponseJSON for the options. */
  create(options: PublicKeyCredentialCreationOptionsJSON, tweaks: CeremonyTweaks = {}): RegistrationResponseJSON {
    const { privateKey, publicKey } = tweaks.reuse ?? generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const credentialId = tweaks.reuse ? Buffer.from(tweaks.reuse.id, 'base64url') : randomBytes(32);
    const rpId = options.rp.id ?? new URL(this.origin).hostname;
    const clientDataJSON = this.clientData(
      tweaks.type ?? 'webauthn.create',
      tweaks.challenge ?? options.challenge,
      tweaks,
    );
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const attested = Buffer.concat([Buffer.alloc(16), idLength, credentialId, coseEs256(publicKey)]);
    const authData = Buffer.concat([this.authDataHead(tweaks.rpId ?? rpId, FLAG_AT, tweaks, 0), attested]);
    const attestationObject = Buffer.from(
      encode(
        new Map<string, unknown>([
          ['fmt', 'none'],
          ['attStmt', new Map()],
          ['authData', authData],
        ]),
      ),
    );
    const id = credentialId.toString('base64url');
    this.credentials.push({ id, privateKey, publicKey, rpId, userHandle: options.user.id, counter: 0 });
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        attestationObject: attestationObject.toString('base64url'),
        transports: ['internal', 'hybrid'],
        publicKeyAlgorithm: COSE_ALG_ES256,
        publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64url'),
        authenticatorData: authData.toString('base64url'),
      },
      clientExtensionResults: { credProps: { rk: true } },
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * navigator.credentials.get(): an AuthenticationResponseJSON signed by `credential` (default:
   * the newest credential for the options' RP ID, as a discoverable-credential picker would).
   */
  get(
    options: PublicKeyCredentialRequestOptionsJSON,
    tweaks: CeremonyTweaks = {},
    credential: SoftCredential = this.pick(options.rpId),
  ): AuthenticationResponseJSON {
    const counter = tweaks.counter ?? credential.counter + 1;
    credential.counter = counter;
    const clientDataJSON = this.clientData(
      tweaks.type ?? 'webauthn.get',
      tweaks.challenge ?? options.challenge,
      tweaks,
    );
    const authData = this.authDataHead(tweaks.rpId ?? credential.rpId, 0, tweaks, counter);
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), credential.privateKey);
    if (tweaks.tamperSignature) signature[signature.length - 1] ^= 0x01;
    const userHandle = tweaks.userHandle === undefined ? credential.userHandle : tweaks.userHandle;
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: clientDataJSON.toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private pick(rpId: string | undefined): SoftCredential {
    const found = [...this.credentials].reverse().find((c) => rpId === undefined || c.rpId === rpId);
    if (!found) throw new Error(`No credential for RP ID ${rpId}`);
    return found;
  }

  private clientData(type: string, challenge: string, tweaks: CeremonyTweaks): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin: tweaks.origin ?? this.origin, crossOrigin: false }));
  }

  private authDataHead(rpId: string, extraFlags: number, tweaks: CeremonyTweaks, counter: number): Buffer {
    let flags = FLAG_UP | FLAG_UV | extraFlags;
    if (this.backedUp) flags |= FLAG_BE | FLAG_BS;
    if (tweaks.withoutUserPresence) flags &= ~FLAG_UP;
    if (tweaks.withoutUserVerification) flags &= ~FLAG_UV;
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), u32(counter)]);
  }
}
