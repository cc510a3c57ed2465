/*
 * der.js: a minimal reader of DER, for the few structures p12.js walks
 * (PKCS#12, PKCS#8, X.509 down to the public key).
 *
 * Every length is checked against the end of the element that holds it
 * before anything is read, so a hostile file can only make a reader throw
 * DerError.  Only what those structures use is accepted: one-byte tags,
 * definite lengths of at most three bytes (the input is capped far below
 * 16 MiB), no indefinite (BER) lengths.
 */

export class DerError extends Error {
	constructor(why) {
		super("malformed DER: " + why);
		this.name = "DerError";
	}
}

export const TAG = Object.freeze({
	INTEGER: 0x02,
	BIT_STRING: 0x03,
	OCTET_STRING: 0x04,
	NULL: 0x05,
	OID: 0x06,
	SEQUENCE: 0x30,
	SET: 0x31,
	/* [0] and [1], constructed (EXPLICIT or IMPLICIT SEQUENCE) */
	CTX0: 0xa0,
	CTX1: 0xa1,
	/* [0] IMPLICIT OCTET STRING (PKCS#7 EncryptedContentInfo) */
	CTX0_PRIM: 0x80
});

/* The largest INTEGER integer() returns: iteration counts, versions. */
const MAX_SMALL_INT = 0x7fffffff;

/*
 * A cursor over the elements between start and end of bytes (a
 * Uint8Array, borrowed: the views it hands out share its buffer).
 */
export class DerReader {
	constructor(bytes, start = 0, end = bytes.length) {
		if (!(bytes instanceof Uint8Array))
			throw new TypeError("DerReader needs a Uint8Array");
		this.bytes = bytes;
		this.pos = start;
		this.end = end;
	}

	atEnd() {
		return this.pos >= this.end;
	}

	/* The tag of the next element, or -1 at the end. */
	peekTag() {
		return this.atEnd() ? -1 : this.bytes[this.pos];
	}

	/*
	 * Reads the next element's header; returns {tag, start, end} of its
	 * contents and moves past it.  tag, if given, must match.
	 */
	next(tag) {
		const b = this.bytes;
		let p = this.pos;

		if (p + 2 > this.end)
			throw new DerError("truncated header");
		const t = b[p++];
		if ((t & 0x1f) === 0x1f)
			throw new DerError("multi-byte tag");
		if (tag !== undefined && t !== tag)
			throw new DerError("tag " + t.toString(16) + ", want " +
			    tag.toString(16));
		let len = b[p++];
		if (len & 0x80) {
			const n = len & 0x7f;
			if (n === 0)
				throw new DerError("indefinite length");
			if (n > 3)
				throw new DerError("length too long");
			if (p + n > this.end)
				throw new DerError("truncated length");
			len = 0;
			for (let i = 0; i < n; i++)
				len = len * 256 + b[p++];
		}
		if (len > this.end - p)
			throw new DerError("length beyond its container");
		this.pos = p + len;
		return { tag: t, start: p, end: p + len };
	}

	/* The next element's contents, as a reader (SEQUENCE, SET, [n]). */
	enter(tag) {
		const e = this.next(tag);
		return new DerReader(this.bytes, e.start, e.end);
	}

	/* The next element's contents, as a view on the input. */
	contents(tag) {
		const e = this.next(tag);
		return this.bytes.subarray(e.start, e.end);
	}

	/* The next element whole (header included), as a view on the input. */
	element(tag) {
		const from = this.pos;
		this.next(tag);
		return this.bytes.subarray(from, this.pos);
	}

	/* The next element if it has tag, as a reader; else null. */
	optional(tag) {
		return this.peekTag() === tag ? this.enter(tag) : null;
	}

	skip() {
		this.next();
	}

	/* An OBJECT IDENTIFIER in dotted form ("1.2.840.113549.1.7.1"). */
	oid() {
		const v = this.contents(TAG.OID);
		const arcs = [];
		let arc = 0n;

		if (v.length === 0 || (v[v.length - 1] & 0x80))
			throw new DerError("bad OID");
		for (let i = 0; i < v.length; i++) {
			if (arc === 0n && v[i] === 0x80)
				throw new DerError("OID arc not minimal");
			arc = (arc << 7n) | BigInt(v[i] & 0x7f);
			if (v[i] & 0x80)
				continue;
			if (arcs.length === 0) {
				const first = arc < 80n ? arc / 40n : 2n;
				arcs.push(first, arc - first * 40n);
			} else {
				arcs.push(arc);
			}
			arc = 0n;
		}
		return arcs.join(".");
	}

	/* A non-negative INTEGER no larger than 2^31 - 1, as a Number. */
	integer() {
		const v = this.contents(TAG.INTEGER);
		let n = 0;

		if (v.length === 0 || (v[0] & 0x80))
			throw new DerError("negative or empty INTEGER");
		for (let i = 0; i < v.length; i++) {
			n = n * 256 + v[i];
			if (n > MAX_SMALL_INT)
				throw new DerError("INTEGER too large");
		}
		return n;
	}

	/* Throws unless every element has been read. */
	done() {
		if (!this.atEnd())
			throw new DerError("trailing data");
	}
}

/*
 * Reads an AlgorithmIdentifier: {oid, params}, params a reader on what
 * follows the OID (possibly nothing).  params() gives a new reader each
 * call, so the same identifier can be looked at twice.
 */
export function readAlgorithm(r) {
	const seq = r.enter(TAG.SEQUENCE);
	const oid = seq.oid();
	const from = seq.pos;

	return { oid, params: () => new DerReader(seq.bytes, from, seq.end) };
}
