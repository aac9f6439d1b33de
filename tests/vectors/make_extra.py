#!/usr/bin/env python3
"""Writes extra.json: vectors made with Python's own hmac, base64 and urllib, independently of
the crate. Run from this folder: python3 make_extra.py > extra.json"""
import base64, hashlib, hmac, json, urllib.parse

KEY_ID, KEY = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"

def sign(original, key=KEY):
    mac = hmac.new(key.encode(), original.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac + original.encode()).decode()

def entry(id_, note, original, params, key=KEY):
    return {"id": id_, "source": "python3 hmac + base64 (make_extra.py)", "note": note,
            "secretId": KEY_ID, "secretKey": key, "currentTimeStamp": 1700000000,
            "expireTime": 1700086400, "random": 5, "original": original, "params": params,
            "signature": sign(original, key)}

req = f"secretId={KEY_ID}&currentTimeStamp=1700000000&expireTime=1700086400&random=5"
vectors = [
    entry("unknown_param/python-urlencode", "an unknown parameter (isTranscode) is kept, in order",
          req + "&procedure=P&isTranscode=1&" + urllib.parse.urlencode({"x y": "a b"}),
          [["procedure", "P"], ["isTranscode", "1"], ["x y", "a b"]]),
    entry("never_encoded/raw", "plaintext never URL-encoded: raw spaces and raw UTF-8",
          req + "&procedure=My Flow&sourceContext=用户 上传", [["procedure", "My Flow"], ["sourceContext", "用户 上传"]]),
    entry("lower_hex/handmade", "lower-case hex escapes and escaped punctuation",
          req + "&sourceContext=%e7%94%a8%2a%7e%21%27%28%29", [["sourceContext", "用*~!'()"]]),
    entry("negative_priority/python-urlencode", "taskPriority -10 and Change",
          req + "&procedure=P&taskPriority=-10&taskNotifyMode=Change",
          [["procedure", "P"], ["taskPriority", "-10"], ["taskNotifyMode", "Change"]]),
    entry("cjk_250/python-urlencode", "sourceContext of exactly 250 CJK characters",
          req + "&" + urllib.parse.urlencode({"sourceContext": "视" * 250}), [["sourceContext", "视" * 250]]),
]
print(json.dumps(vectors, ensure_ascii=False, indent=1))
