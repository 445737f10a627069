"""Drives a live `reel serve` with the unmodified official `openai` package.

Run by tests/sdk.rs with REEL_BASE_URL (…/v1), REEL_KEY, REEL_KEY_2 (a second key) and
REEL_REF_PNG set. Only `base_url` and `api_key` differ from a program written for OpenAI's API.
"""
import os
import sys
import warnings

# Every videos method is marked deprecated (the Sora API shutdown); that is only a warning.
warnings.simplefilter("ignore", DeprecationWarning)

import openai  # noqa: E402
from openai import OpenAI  # noqa: E402

BASE = os.environ["REEL_BASE_URL"]
KEY = os.environ["REEL_KEY"]
REF_PNG = os.environ["REEL_REF_PNG"]

client = OpenAI(base_url=BASE, api_key=KEY, max_retries=0)
passed = []


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def case(fn):
    fn()
    passed.append(fn.__name__)
    print(f"ok {fn.__name__}", flush=True)
    return fn


state = {}


@case
def create_and_poll_text():
    v = client.videos.create_and_poll(prompt="a red ball moves right on a black background",
                                      model="sora-2", seconds="4", size="720x1280")
    check(v.status == "completed", f"status {v.status} error {v.error}")
    check(v.object == "video" and v.progress == 100, v)
    check(v.seconds == "4" and v.size == "48x80", f"mapped values {v.seconds} {v.size}")
    check(v.completed_at is not None and v.expires_at is not None, v)
    state["video"] = v


@case
def create_and_poll_with_image():
    with open(REF_PNG, "rb") as f:
        v = client.videos.create_and_poll(prompt="a blue square moves left", seconds="4",
                                          size="1280x720", input_reference=("ref.png", f.read(), "image/png"))
    check(v.status == "completed", f"status {v.status} error {v.error}")
    check(v.size == "80x48", v.size)
    state["image_video"] = v


@case
def retrieve():
    v = client.videos.retrieve(state["video"].id)
    check(v.id == state["video"].id and v.status == "completed", v)
    check(v.prompt == "a red ball moves right on a black background", v.prompt)


MAGIC = {
    "video": lambda b: b[4:8] == b"ftyp",
    "thumbnail": lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP",
    "spritesheet": lambda b: b[:3] == b"\xff\xd8\xff",
}


@case
def download_content_all_variants():
    for variant, ok in MAGIC.items():
        content = client.videos.download_content(state["video"].id, variant=variant)
        data = content.read()
        check(len(data) > 100 and ok(data), f"{variant}: {data[:16]!r}")
        if variant == "video":
            state["mp4"] = data


@case
def remix():
    r = client.videos.remix(state["video"].id, prompt="a blue ball moves right on a black background")
    check(r.remixed_from_video_id == state["video"].id, r)
    r = client.videos.poll(r.id)
    check(r.status == "completed", f"{r.status} {r.error}")
    check(r.size == state["video"].size and r.seconds == state["video"].seconds, r)
    state["remix"] = r


@case
def edit_by_upload():
    e = client.videos.edit(prompt="make the ball green", video=("in.mp4", state["mp4"], "video/mp4"))
    e = client.videos.poll(e.id)
    check(e.status == "completed", f"{e.status} {e.error}")
    check(e.size == state["video"].size and e.seconds == state["video"].seconds, e)


@case
def extend_by_upload():
    x = client.videos.extend(prompt="the ball keeps rolling", seconds="4",
                             video=("in.mp4", state["mp4"], "video/mp4"))
    x = client.videos.poll(x.id)
    check(x.status == "completed", f"{x.status} {x.error}")
    # The whole clip: the source's 4 s plus 4 new ones.
    check(x.seconds == "8", f"seconds {x.seconds}")
    data = client.videos.download_content(x.id).read()
    check(data[4:8] == b"ftyp", data[:16])


@case
def list_auto_paginates():
    made = {state["video"].id, state["image_video"].id, state["remix"].id}
    first = client.videos.list(limit=2)
    check(len(first.data) == 2 and first.has_more, f"page 1: {len(first.data)} {first.has_more}")
    seen = [v.id for v in client.videos.list(limit=2)]
    check(len(seen) == len(set(seen)), f"duplicates across pages: {seen}")
    check(made <= set(seen), f"missing {made - set(seen)}")
    asc = [v.id for v in client.videos.list(limit=2, order="asc")]
    check(asc == list(reversed(seen)), f"asc {asc} vs desc {seen}")


@case
def delete():
    d = client.videos.delete(state["image_video"].id)
    check(d.deleted is True and d.id == state["image_video"].id, d)
    try:
        client.videos.retrieve(state["image_video"].id)
    except openai.NotFoundError:
        pass
    else:
        raise AssertionError("deleted video still retrievable")


@case
def bad_request_error():
    try:
        client.videos.create(prompt="a red ball", seconds="-4")
    except openai.BadRequestError as e:
        check(e.status_code == 400 and e.code == "invalid_value" and e.param == "seconds", e)
    else:
        raise AssertionError("negative seconds accepted")
    try:
        client.videos.create(prompt="a red ball", model="no-such-model")
    except openai.BadRequestError as e:
        check(e.param == "model", e)
    else:
        raise AssertionError("unknown model accepted")


@case
def authentication_error():
    bad = OpenAI(base_url=BASE, api_key="not-a-key", max_retries=0)
    try:
        bad.videos.list()
    except openai.AuthenticationError as e:
        check(e.status_code == 401, e)
    else:
        raise AssertionError("wrong key accepted")


@case
def not_found_error():
    try:
        client.videos.retrieve("video_doesnotexist")
    except openai.NotFoundError as e:
        check(e.status_code == 404, e)
    else:
        raise AssertionError("unknown id found")


@case
def rate_limit_error():
    # The server under test allows 2 jobs queued or running; `slow` jobs stay that long.
    slow = [client.videos.create(prompt="a slow red ball", model="slow", seconds="1") for _ in range(2)]
    try:
        client.videos.create(prompt="one too many", model="slow", seconds="1")
    except openai.RateLimitError as e:
        check(e.status_code == 429 and e.response.headers.get("retry-after"), e)
    else:
        raise AssertionError("queue limit not enforced")
    finally:
        for v in slow:
            client.videos.delete(v.id)


@case
def provenance_check():
    checks = getattr(client, "content_provenance_checks", None)
    if checks is None:
        return
    r = checks.create(file=("v.mp4", state["mp4"], "video/mp4"))
    check(r.results[0].type == "c2pa" and r.results[0].outcome == "detected", r)


@case
def files_and_input_reference_by_file_id():
    with open(REF_PNG, "rb") as f:
        png = f.read()
    with open(REF_PNG, "rb") as f:
        up = client.files.create(file=f, purpose="vision")
    check(up.id.startswith("file-") and up.object == "file" and up.purpose == "vision", up)
    check(up.bytes == len(png) and up.filename == os.path.basename(REF_PNG), up)
    check(client.files.retrieve(up.id).id == up.id, "retrieve")
    check(up.id in [f.id for f in client.files.list()], "list")
    check(client.files.content(up.id).read() == png, "content differs from the upload")
    # SDK 3.54.0 types input_reference as a file or {"file_id"|"image_url"}, but its
    # extract_files refuses the dict client side (RuntimeError) before anything is sent; the
    # same object through extra_body reaches the wire as input_reference[file_id].
    ask = dict(prompt="a blue square moves left", seconds="4", size="1280x720")
    try:
        v = client.videos.create(input_reference={"file_id": up.id}, **ask)
    except RuntimeError:
        v = client.videos.create(extra_body={"input_reference": {"file_id": up.id}}, **ask)
    v = client.videos.poll(v.id)
    check(v.status == "completed", f"{v.status} {v.error}")
    check(v.size == "80x48", v.size)

    notes = client.files.create(file=("notes.txt", b"not an image", "text/plain"),
                                purpose="user_data")
    check(notes.purpose == "user_data", notes)
    try:
        client.videos.create(prompt="x", extra_body={"input_reference": {"file_id": notes.id}})
    except openai.BadRequestError as e:
        check(e.param == "input_reference", e)
    else:
        raise AssertionError("a text file was accepted as the first frame")
    for fid in (notes.id, up.id):
        d = client.files.delete(fid)
        check(d.deleted is True and d.id == fid, d)
    try:
        client.videos.create(prompt="x", extra_body={"input_reference": {"file_id": up.id}})
    except openai.NotFoundError as e:
        check(e.param == "input_reference", e)
    else:
        raise AssertionError("a deleted file was found")
    other = OpenAI(base_url=BASE, api_key=os.environ["REEL_KEY_2"], max_retries=0)
    mine = client.files.create(file=("ref.png", png, "image/png"), purpose="vision")
    try:
        other.files.retrieve(mine.id)
    except openai.NotFoundError:
        pass
    else:
        raise AssertionError("another key sees the file")
    client.files.delete(mine.id)


@case
def characters():
    if not hasattr(client.videos, "create_character"):
        print("  (this openai version has no videos.create_character)")
        return
    c = client.videos.create_character(name="Red Ball", video=("ball.mp4", state["mp4"], "video/mp4"))
    check(c.id and c.id.startswith("char_") and c.name == "Red Ball" and c.created_at > 0, c)
    g = client.videos.get_character(c.id)
    check((g.id, g.name, g.created_at) == (c.id, c.name, c.created_at), g)
    try:
        client.videos.get_character("char_doesnotexist")
    except openai.NotFoundError:
        pass
    else:
        raise AssertionError("unknown character found")
    try:
        client.videos.create_character(name="Blue", video=("b.mp4", b"not a video", "video/mp4"))
    except openai.BadRequestError as e:
        check(e.param == "video", e)
    else:
        raise AssertionError("an undecodable character clip was accepted")


print(f"sdk: {len(passed)} passed, 0 failed (openai {openai.__version__})")
sys.exit(0)
