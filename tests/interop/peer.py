"""The Python peer for tests/interop.rs: PyJWT. One JSON request in (argv[1]), one line out."""

import json
import sys

import jwt

request = json.loads(sys.argv[1])
if request["op"] == "verify":
    payload = jwt.decode(
        request["token"],
        request["secret"],
        algorithms=["HS256"],
        audience=request["audience"],
        issuer=request.get("issuer"),
    )
    print(json.dumps({"payload": payload, "header": jwt.get_unverified_header(request["token"])}))
elif request["op"] == "verify-jwks":
    # A service that trusts our issuer through its published JWKS.
    token = request["token"]
    keys = jwt.PyJWKSet.from_dict(request["jwks"])
    key = keys[jwt.get_unverified_header(token)["kid"]]
    payload = jwt.decode(
        token,
        key.key,
        algorithms=[request["alg"]],
        audience=request["audience"],
        issuer=request.get("issuer"),
    )
    print(json.dumps({"payload": payload, "header": jwt.get_unverified_header(token)}))
elif request["op"] == "sign":
    print(jwt.encode(request["claims"], request["secret"], algorithm="HS256",
                     headers={"kid": request["keyId"]}))
else:
    raise SystemExit(f"unknown op {request['op']}")
