/* be.c - names of the wire parsers' error codes (see be.h). */
#include "be.h"

const char *wire_err_str(int err)
{
	switch (err) {
	case WIRE_OK: return "ok";
	case WIRE_TRUNCATED: return "truncated";
	case WIRE_BAD_VERSION: return "bad version";
	case WIRE_BAD_HDRLEN: return "bad header length";
	case WIRE_BAD_LEN: return "bad length";
	case WIRE_BAD_CSUM: return "bad checksum";
	case WIRE_BAD_FIELD: return "bad field";
	case WIRE_UNSUPPORTED: return "unsupported";
	case WIRE_BAD_NAME: return "bad name";
	default: return "unknown error";
	}
}
