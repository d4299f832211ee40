"""Video and image uploads (multipart), MD5 checks, metadata parsing, processing, lookups."""

from __future__ import annotations

from typing import Any

import httpx

from .helpers import ADV, error, make_jpeg, make_mp4, make_png, md5, ok


def upload_video(api: httpx.Client, data: bytes, **form: str) -> httpx.Response:
    fields = {"advertiser_id": ADV, "video_signature": md5(data), **form}
    return api.post(
        "file/video/ad/upload/", data=fields, files={"video_file": ("clip.mp4", data, "video/mp4")}
    )


def upload_image(api: httpx.Client, data: bytes, name: str = "pic.png", **form: str) -> httpx.Response:
    fields = {"advertiser_id": ADV, "image_signature": md5(data), **form}
    return api.post("file/image/ad/upload/", data=fields, files={"image_file": (name, data, "image/png")})


def test_video_upload_reads_mp4_metadata_and_answers_a_list(api: httpx.Client) -> None:
    data = make_mp4(width=720, height=1280, seconds=12.5)
    videos = ok(upload_video(api, data, file_name="launch.mp4"))
    assert isinstance(videos, list) and len(videos) == 1
    video: dict[str, Any] = videos[0]
    assert video["video_id"].startswith("v10033g50000")
    assert (video["width"], video["height"], video["duration"]) == (720, 1280, 12.5)
    assert video["size"] == len(data) and video["signature"] == md5(data) and video["format"] == "mp4"
    assert video["file_name"] == "launch.mp4" and video["displayable"] is False
    for key in ("material_id", "video_cover_url", "preview_url", "create_time"):
        assert video[key]
    info = ok(
        api.get("file/video/ad/info/", params={"advertiser_id": ADV, "video_ids": f'["{video["video_id"]}"]'})
    )
    assert info["list"][0]["displayable"] is True  # one lookup finishes processing in the demo


def test_video_signature_mismatch_and_duplicate_name(api: httpx.Client) -> None:
    data = make_mp4()
    bad = {"advertiser_id": ADV, "video_signature": "0" * 32}
    error(api.post("file/video/ad/upload/", data=bad, files={"video_file": ("a.mp4", data)}), 40900)
    ok(upload_video(api, data, file_name="same.mp4"))
    error(upload_video(api, data, file_name="same.mp4"), 40911)
    error(upload_video(api, data, file_name="spring_hero_9x16.mp4"), 40911)  # a demo video's name
    assert error(api.post("file/video/ad/upload/", data={"advertiser_id": ADV}), 40002).startswith(
        "video_file"
    )
    empty = {"advertiser_id": ADV, "video_signature": md5(b"")}
    error(api.post("file/video/ad/upload/", data=empty, files={"video_file": ("e.mp4", b"")}), 40906)


def test_upload_by_url_is_deterministic_and_fetches_nothing(api: httpx.Client) -> None:
    form = {"advertiser_id": ADV, "upload_type": "UPLOAD_BY_URL", "video_url": "https://cdn.example/ad.mp4"}
    first = ok(api.post("file/video/ad/upload/", data={**form, "file_name": "u1"}))[0]
    second = ok(api.post("file/video/ad/upload/", data={**form, "file_name": "u2"}))[0]
    for key in ("width", "height", "duration", "size", "signature"):
        assert first[key] == second[key]
    assert first["video_id"] != second["video_id"]


def test_video_search(api: httpx.Client) -> None:
    data = ok(api.get("file/video/ad/search/", params={"advertiser_id": ADV}))
    assert data["page_info"]["total_number"] == 5 and data["page_info"]["page_size"] == 20
    square = ok(
        api.get(
            "file/video/ad/search/",
            params={"advertiser_id": ADV, "filtering": '{"width":1080,"height":1080}'},
        )
    )
    assert [v["file_name"] for v in square["list"]] == ["brand_square.mp4"]


def test_image_upload_png_and_jpeg_sizes(api: httpx.Client) -> None:
    png = ok(upload_image(api, make_png(640, 360)))
    assert (png["format"], png["width"], png["height"]) == ("png", 640, 360)
    assert png["file_name"] == "pic.png" and png["image_url"] and png["material_id"]
    jpeg = ok(upload_image(api, make_jpeg(1200, 628), name="banner.jpg"))
    assert (jpeg["format"], jpeg["width"], jpeg["height"]) == ("jpeg", 1200, 628)
    info = ok(
        api.get(
            "file/image/ad/info/",
            params=[("advertiser_id", ADV), ("image_ids", png["image_id"]), ("image_ids", jpeg["image_id"])],
        )
    )
    assert {i["image_id"] for i in info["list"]} == {png["image_id"], jpeg["image_id"]}
    # an automatic name that is taken gets a suffix; an explicit one is refused
    assert ok(upload_image(api, make_png(10, 10)))["file_name"] == "pic_2.png"
    error(upload_image(api, make_png(10, 10), file_name="pic.png"), 40911)


def test_image_errors(api: httpx.Client) -> None:
    error(upload_image(api, b"GIF-ish but not an image at all"), 40908)
    bad = {"advertiser_id": ADV, "image_signature": "f" * 32}
    error(api.post("file/image/ad/upload/", data=bad, files={"image_file": ("x.png", make_png(5, 5))}), 40900)
    ids = [f"img{i}" for i in range(101)]
    assert error(
        api.get(
            "file/image/ad/info/", params={"advertiser_id": ADV, "image_ids": str(ids).replace("'", '"')}
        ),
        40002,
    ).startswith("image_ids")
