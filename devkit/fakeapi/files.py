"""Files the bot sends or receives: uploads, file_ids and URLs, and getFile.

A stored file can be downloaded through the HTTP layer's ``/file`` route and re-sent by id.
"""

from __future__ import annotations

import mimetypes
import re
from pathlib import PurePosixPath
from typing import Any

from devkit.fakeapi.errors import bad_request, invalid
from devkit.fakeapi.models import StoredFile, UploadedFile
from devkit.fakeapi.state import CoreState


class FilesMixin(CoreState):
    """register_file, store_input_file and the getFile method."""

    def register_file(
        self,
        data: bytes | None,
        *,
        kind: str,
        filename: str | None = None,
        mime_type: str | None = None,
        url: str | None = None,
    ) -> StoredFile:
        """Store a file so getFile/download and re-sending by file_id work."""
        number = next(self._file_counter)
        suffix = PurePosixPath(filename).suffix if filename else ""
        if not suffix and mime_type:
            suffix = mimetypes.guess_extension(mime_type) or ""
        stored = StoredFile(
            file_id=f"BQ{kind[:3].upper()}{self.bot_id}x{number:06d}",
            file_unique_id=f"AgAD{number:06d}",
            file_path=f"{kind}s/file_{number}{suffix}",
            filename=filename,
            mime_type=mime_type,
            data=data,
            url=url,
        )
        self.files[stored.file_id] = stored
        self.files_by_path[stored.file_path] = stored
        return stored

    def store_input_file(self, value: UploadedFile | str, kind: str) -> StoredFile:
        """Turn an InputFile value (upload, file_id or URL) into a stored file."""
        if isinstance(value, UploadedFile):
            if not value.data:
                raise invalid("file must be non-empty")
            mime = value.content_type
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(value.filename)[0] or mime
            return self.register_file(
                value.data, kind=kind, filename=value.filename, mime_type=mime or None
            )
        if value in self.files:
            return self.files[value]
        if re.match(r"^https?://", value, re.IGNORECASE):
            name = PurePosixPath(value.split("?", 1)[0]).name or None
            return self.register_file(
                None,
                kind=kind,
                filename=name,
                mime_type=mimetypes.guess_type(name or "")[0],
                url=value,
            )
        raise bad_request("wrong file identifier/HTTP URL specified")

    def _api_getFile(self, values: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(values["file_id"])
        if stored is None:
            raise bad_request("invalid file_id")
        result: dict[str, Any] = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_path": stored.file_path,
        }
        if stored.size:
            result["file_size"] = stored.size
        return result
