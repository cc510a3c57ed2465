/*
 * error.js: the error the modules throw for what the page must tell apart:
 * code is a stable name (see www/README), and the message is the code and
 * nothing else, so no secret can ride in one.
 */

export class CodedError extends Error {
	constructor(code) {
		super(code);
		this.name = "CodedError";
		this.code = code;
	}
}
