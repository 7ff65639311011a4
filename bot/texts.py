"""Every Vietnamese string a person sees, in one place so it can be reviewed in one sitting.

Voice (see docs/voice.md): "anh/chị" in private chats, "bà con" in groups; the first line says
what the message is; one idea per message; end with the next step. Emphasis is rich text
(bot/rich.py: bold, italic, link) and never markup: no string here holds a tag or escapes
anything (tests/test_texts.py), and a person's words are a span's text wherever they go.
"""

from __future__ import annotations

from pathlib import Path

from bot.rich import Rich, bold, italic, rich

# ---------------------------------------------------------------- buttons and menu
BTN_CONTENT = "📚 Nội dung"
BTN_SEARCH = "🔎 Tìm kiếm"
BTN_HELP = "❓ Hướng dẫn"
BTN_REPORT = "📝 Báo cáo"
BTN_READ_FULL = "Đọc đầy đủ"
BTN_BACK = "Quay lại"
BTN_NEXT_PAGE = "Trang sau"
BTN_PREV_PAGE = "Trang trước"
BTN_MENU = "Về danh mục"
PENDING_MARK = " (đang cập nhật)"

# ---------------------------------------------------------------- commands menu (set at start-up)
# What each command does, as Telegram's command menu shows it; which commands are in which
# menu, and who may use them, is bot/commands.py's table.
MENU_LINES: dict[str, str] = {
    "start": "Bắt đầu và mở menu",
    "muctieu": "Mục tiêu đến năm 2030",
    "chitieu": "Các chỉ tiêu chủ yếu",
    "nhiemvu": "12 nhóm nhiệm vụ, giải pháp",
    "dotpha": "3 đột phá chiến lược",
    "noidung": "Tất cả nội dung",
    "timkiem": "Tìm theo từ khóa",
    "baocao": "Báo cáo buổi tuyên truyền (tổ trưởng)",
    "baocaocuatoi": "Các báo cáo tôi đã gửi",
    "baotin": "Báo tin sai sự thật",
    "dangky": "Đăng ký nhận tin của phường",
    "todanpho": "Chọn tổ dân phố nơi tôi ở",
    "themkenh": "Dùng Loa Phường trên cả Zalo và Telegram",
    "tatthongbao": "Tắt các tin thường của phường",
    "batthongbao": "Bật lại các tin của phường",
    "dulieucuatoi": "Xem dữ liệu bot lưu về tôi",
    "xoadulieu": "Xóa dữ liệu của tôi",
    "canbo": "Việc tôi làm được (tổ trưởng, cán bộ)",
    "help": "Hướng dẫn sử dụng",
}

# ---------------------------------------------------------------- welcome and help


def welcome_private(first_name: str, ward: str) -> Rich:
    name = first_name or "anh/chị"
    return rich(
        bold(f"Chào {name}, đây là Loa Phường {ward}"),
        "\n\nLoa Phường giới thiệu ngắn gọn Chương trình hành động số 17-CTr/TU của Thành ủy "
        "Hải Phòng: mục tiêu đến năm 2030, các chỉ tiêu chủ yếu, 12 nhóm nhiệm vụ, giải pháp "
        "và 3 đột phá chiến lược.\n\n"
        "Anh/chị chọn một mục ở bảng bên dưới, hoặc gõ /help để xem hướng dẫn.",
    )


def welcome_group(ward: str) -> Rich:
    return rich(
        bold(f"Loa Phường {ward} xin chào bà con"),
        "\n\nMời bà con cùng tìm hiểu Chương trình hành động số 17-CTr/TU. Loa Phường chỉ lên "
        "tiếng khi được hỏi hoặc theo lịch của phường.\n\n"
        "• /muctieu — mục tiêu đến năm 2030\n"
        "• /nhiemvu — 12 nhóm nhiệm vụ, giải pháp\n"
        "• /dotpha — 3 đột phá chiến lược\n"
        "• /timkiem từ khóa — tìm nội dung",
    )


HELP_PRIVATE = rich(
    bold("Hướng dẫn sử dụng Loa Phường"),
    "\n\n• /muctieu — mục tiêu tổng quát đến năm 2030\n"
    "• /chitieu — các chỉ tiêu chủ yếu\n"
    "• /nhiemvu — 12 nhóm nhiệm vụ, giải pháp\n"
    "• /dotpha — 3 đột phá chiến lược\n"
    "• /noidung — tất cả nội dung\n"
    "• /timkiem từ khóa — tìm nội dung, gõ có dấu hay không dấu đều được, "
    "ví dụ: /timkiem chuyen doi so\n"
    "• /baotin — gửi cho phường một tin nghi sai sự thật\n"
    "• /dangky — đăng ký nhận tin của phường; /tatthongbao, /batthongbao để tắt, bật\n"
    "• /todanpho — chọn tổ dân phố nơi anh/chị ở, để nhận cả tin riêng của tổ\n"
    "• /themkenh — dùng Loa Phường trên cả Zalo và Telegram, là một người trên cả hai\n"
    "• /dulieucuatoi, /xoadulieu — xem, xóa dữ liệu Loa Phường lưu về anh/chị\n",
)
HELP_LEADER = (
    "• Tổ trưởng: 📝 Báo cáo hoặc /baocao sau mỗi buổi tuyên truyền, /baocaocuatoi xem lại "
    "báo cáo đã gửi, /lienket (gõ trong nhóm của tổ) liên kết nhóm\n"
)
HELP_OFFICER = (
    "• Cán bộ phường: /guitin gửi tin, /duyetbaocao duyệt báo cáo, /chuabaocao các tổ chưa "
    "báo cáo, /xulytin tin báo sai sự thật\n"
)
HELP_TOOLS = "• /canbo — mọi việc anh/chị làm được với vai trò của mình\n"
HELP_BUTTONS = "\nAnh/chị cũng có thể bấm các nút ở bảng bên dưới."


HELP_ZALO_GROUPS = (
    "• Trên Zalo, Loa Phường chỉ trò chuyện riêng với từng người: bot Zalo hiện chưa vào được"
    " nhóm. Nhóm của tổ dùng Loa Phường trên Telegram.\n"
)


def help_private(*, leads: bool, officer: bool, zalo: bool = False) -> Rich:
    """/help in a private chat: what everyone can do, then what this person's role adds
    (on Zalo, honestly, that groups stay Telegram's)."""
    parts: list[Rich | str] = [HELP_PRIVATE]
    if zalo:
        parts.append(HELP_ZALO_GROUPS)
    if leads:
        parts.append(HELP_LEADER)
    if officer:
        parts.append(HELP_OFFICER)
    if leads or officer:
        parts.append(HELP_TOOLS)
    parts.append(HELP_BUTTONS)
    return rich(*parts)


HELP_GROUP = rich(
    bold("Loa Phường trong nhóm"),
    "\n• /muctieu • /nhiemvu • /dotpha\n"
    "• /timkiem từ khóa, ví dụ: /timkiem chuyen doi so\n"
    "Nhắn riêng cho Loa Phường để xem đầy đủ hơn.",
)
UNKNOWN_PRIVATE = (
    "Loa Phường chưa hiểu yêu cầu này. Anh/chị chọn một mục ở bảng bên dưới "
    "hoặc gõ /help để xem hướng dẫn."
)
ERROR_GENERIC = (
    "Xin lỗi, Loa Phường đang gặp trục trặc. Anh/chị thử lại sau ít phút; "
    "thông tin đã nhập vẫn được giữ."
)
STALE_BUTTON = "Nút này đã cũ. Anh/chị gõ /noidung để mở lại danh mục."

# ---------------------------------------------------------------- content browsing
CONTENT_MENU_TITLE = "Nội dung Chương trình hành động số 17-CTr/TU"
CONTENT_MENU_NEXT = "Anh/chị chọn một mục bên dưới."
CONTENT_PENDING = "Nội dung này đang được cán bộ phường cập nhật."
NOT_PROVIDED_YET = "Nội dung này đang được cán bộ phường cập nhật. Anh/chị quay lại sau nhé."


def content_menu(next_step: str = CONTENT_MENU_NEXT) -> Rich:
    return rich(bold(CONTENT_MENU_TITLE), f"\n\n{next_step}")


def kind_list_title(label: str, total: int, pending: int) -> Rich:
    if pending:
        return rich(
            bold(label),
            f"\n\nChương trình có {total} mục; kế hoạch của phường mới nêu chi tiết "
            f"{total - pending} mục, các mục còn lại đang được cán bộ phường cập nhật.\n\n"
            "Chọn một mục bên dưới.",
        )
    return rich(bold(label), "\n\nChọn một mục bên dưới.")


def kind_list_group(label: str, lines: list[str], command: str) -> Rich:
    body = "\n".join(lines)
    return rich(
        bold(label),
        f"\n{body}\n\nGõ /{command} số thứ tự để xem một mục, ví dụ /{command} 1.",
    )


def item_source(source: str) -> Rich:
    return rich("\n\n", italic(f"Nguồn: Kế hoạch tuyên truyền của UBND phường, {source}."))


def page_mark(page: int, total: int) -> Rich:
    return rich("\n\n", italic(f"Trang {page}/{total}"))


def item_number_out_of_range(command: str, count: int) -> str:
    return f"Chưa có mục số này. Anh/chị gõ /{command} và một số từ 1 đến {count}."


# ---------------------------------------------------------------- search
SEARCH_PROMPT = rich(
    bold("Tìm kiếm"),
    "\nAnh/chị gõ từ khóa cần tìm, có dấu hay không dấu đều được. Ví dụ: chuyen doi so",
)
SEARCH_PROMPT_GROUP = "Bà con gõ /timkiem và từ khóa, ví dụ: /timkiem chuyen doi so"


def search_results(query: str, count: int) -> Rich:
    return rich(
        bold(f"Kết quả cho “{query}”"),
        f"\nTìm thấy {count} mục. Chọn một mục bên dưới để đọc.",
    )


def free_text_none(typed: str) -> str:
    """Text typed in a private chat that names no menu key and matches no content."""
    return (
        f"Loa Phường chưa tìm thấy nội dung nào cho “{typed}”. Anh/chị chọn một mục ở bảng "
        "bên dưới, gõ /help để xem hướng dẫn, hoặc gõ một từ khóa, ví dụ: đột phá."
    )


SEARCH_TOO_SHORT = (
    "Từ khóa ngắn quá. Anh/chị gõ ít nhất hai chữ, ví dụ: đột phá, chuyển đổi số, môi trường."
)


def search_none(query: str) -> Rich:
    return rich(
        f"Chưa tìm thấy nội dung nào cho “{query}”. Anh/chị thử từ khóa ngắn hơn, "
        "ví dụ: đột phá, chuyển đổi số, môi trường."
    )


# ------------------------------------------------------------ configuration (CLI, for officials)


def config_error(key: str, problem: str, fix: str) -> str:
    return f"Lỗi cấu hình {key}: {problem} Cách sửa: {fix}"


CFG_FILE_MISSING = "không tìm thấy tệp cấu hình."
CFG_FIX_FILE = "chép config.example.toml thành config.toml rồi điền thông tin."
CFG_FIX_TOML = "sửa dòng được nêu theo cú pháp TOML (chuỗi đặt trong dấu nháy kép)."


def cfg_bad_toml(detail: str) -> str:
    return f"tệp không đúng cú pháp TOML ({detail})."


CFG_UNKNOWN_KEY = "khóa không được hỗ trợ."


def cfg_fix_unknown(known: list[str]) -> str:
    return "xóa khóa này hoặc sửa lỗi chính tả; các khóa hợp lệ: " + ", ".join(known) + "."


CFG_EXPECTED_SECTION = "phải là một mục [ten_muc]."
CFG_FIX_SECTION = "viết thành một mục riêng, ví dụ [telegram]."
CFG_EXPECTED_BOOL = "phải là true hoặc false."
CFG_FIX_BOOL = "ghi true hoặc false, không có dấu nháy."
CFG_EXPECTED_INT = "phải là một số nguyên."
CFG_FIX_INT = "ghi một số nguyên, ví dụ 7."
CFG_EXPECTED_NUMBER = "phải là một số."
CFG_FIX_NUMBER = "ghi một số, ví dụ 2 hoặc 2.5."
CFG_EXPECTED_TEXT = "phải là một chuỗi."
CFG_FIX_TEXT = 'đặt giá trị trong dấu nháy kép, ví dụ "Hải An".'
CFG_EXPECTED_PATH = "phải là một đường dẫn."
CFG_FIX_PATH = 'ghi đường dẫn trong dấu nháy kép, ví dụ "data/loa-phuong.sqlite3".'
CFG_EXPECTED_IDS = "phải là danh sách mã số người dùng Telegram."
CFG_FIX_IDS = "ghi dạng [123456789, 987654321] (mã số, không phải tên người dùng)."
CFG_EXPECTED_ADDRESSES = "phải là danh sách địa chỉ dạng kênh:mã số."
CFG_FIX_ADDRESSES = 'ghi dạng ["telegram:123456789", "zalo:7d1fa2c0"].'
CFG_EXPECTED_TIME = "phải là giờ dạng HH:MM."
CFG_EXPECTED_TIMES = "phải là danh sách giờ dạng HH:MM."
CFG_FIX_TIME = 'ghi dạng "07:30" (24 giờ).'
CFG_TOKEN_MISSING = "chưa có token của bot."
CFG_FIX_ZALO_TOKEN = (
    "lấy token của bot Zalo ở trang Zalo Bot Platform rồi ghi vào [zalo] token, hoặc đặt biến"
    " môi trường ZALO_BOT_TOKEN."
)
CFG_BAD_ZALO_MODE = 'chỉ nhận "polling" hoặc "webhook".'
CFG_FIX_ZALO_MODE = 'ghi mode = "polling" (mặc định) hoặc mode = "webhook".'
CFG_BAD_ZALO_SECRET = "chế độ webhook cần một mã bí mật dài 8–256 ký tự."
CFG_FIX_ZALO_SECRET = 'ghi webhook_secret = "…" (một chuỗi ngẫu nhiên, 8–256 ký tự).'
CFG_TOKEN_SHAPE = "token không đúng dạng 123456:ABC…"
CFG_FIX_TOKEN = (
    "lấy token từ @BotFather rồi ghi vào [telegram] token trong config.toml "
    "hoặc đặt biến môi trường BOT_TOKEN."
)
CFG_FIX_NO_TOKEN = (
    "ghi token của bot Telegram (từ @BotFather) vào [telegram] token, hoặc token của bot Zalo"
    " vào [zalo] token (biến môi trường BOT_TOKEN, ZALO_BOT_TOKEN cũng được); có một trong hai"
    " là bot chạy được."
)
CFG_BAD_URL = "địa chỉ Bot API phải bắt đầu bằng http:// hoặc https://."
CFG_FIX_URL = 'để trống để dùng Telegram, hoặc ghi ví dụ "http://127.0.0.1:8081/bot".'
CFG_BAD_TZ = "múi giờ không tồn tại."
CFG_FIX_TZ = 'ghi "Asia/Ho_Chi_Minh".'
CFG_FIX_CONTENT = "trỏ [content] path tới thư mục nội dung có tệp pack.toml (mặc định: content)."


def cfg_content_missing(path: Path) -> str:
    return f"không đọc được thư mục nội dung {path} (thiếu pack.toml hoặc không có quyền đọc)."


def cfg_not_writable(path: Path) -> str:
    return f"không ghi được vào thư mục {path}."


CFG_FIX_WRITABLE = "chọn một thư mục mà tài khoản chạy bot có quyền ghi, hoặc cấp quyền ghi."
CFG_BAD_PERIOD = "kỳ báo cáo chỉ nhận weekly hoặc monthly."
CFG_FIX_PERIOD = 'ghi period = "weekly" (hằng tuần) hoặc "monthly" (hằng tháng).'
CFG_BAD_TTL = "thời hạn lời mời phải từ 1 ngày trở lên."
CFG_FIX_TTL = "ghi ttl_days = 7."
CFG_NOT_POSITIVE = "giá trị này phải lớn hơn 0."
CFG_FIX_POSITIVE = "ghi một số dương, hoặc xóa dòng này để dùng giá trị mặc định."

CONTENT_INVALID = "Nội dung trong thư mục content có lỗi, bot chưa khởi động:"
CONTENT_FIX_HINT = "Sửa các lỗi trên rồi chạy lại: python -m bot check-content"

# ---------------------------------------------------------------- too fast (one person's flood)
FLOOD_SLOW_DOWN = (
    "Anh/chị gửi nhanh quá, Loa Phường chưa kịp trả lời hết. Các tin gửi từ lúc này sẽ "
    "không được xử lý; anh/chị chờ khoảng mười giây rồi gửi lại điều cần hỏi nhé. "
    "Báo cáo đang làm dở vẫn được giữ nguyên."
)

# ---------------------------------------------------------------- permissions
LEADER_MENU_READY = (
    "Bảng chọn bên dưới đã có nút 📝 Báo cáo. "
    "Sau mỗi buổi tuyên truyền, anh/chị bấm vào đó để báo cáo."
)
NO_PERMISSION = "Chức năng này chỉ dành cho cán bộ phường."

# ---------------------------------------------------------------- content checker (check-content)
T_FIX_LABEL = "Cách sửa"
T_OK = "Nội dung hợp lệ: {count} mục."
T_FOLDER_MISSING = "Không tìm thấy thư mục nội dung"
T_FOLDER_MISSING_FIX = "Kiểm tra đường dẫn; thư mục phải chứa pack.toml và các file .md."
T_PACK_MISSING = "Không tìm thấy hoặc không đọc được pack.toml ({error})"
T_PACK_MISSING_FIX = "Tạo pack.toml ở thư mục gốc của gói nội dung (xem mẫu trong tài liệu)."
T_TOML_ERROR = "Lỗi cú pháp TOML: {error}"
T_TOML_ERROR_FIX = (
    "Kiểm tra dòng này: chuỗi phải nằm trong ngoặc kép, mỗi khóa dạng ten = giá_trị, "
    "không lặp khóa."
)
T_PACK_NO_TABLE = "pack.toml thiếu bảng [{table}]"
T_PACK_NO_TABLE_FIX = "Thêm bảng [{table}] vào pack.toml."
T_MISSING_KEY = 'Thiếu khóa "{key}"'
T_MISSING_KEY_FIX = "Thêm dòng {key} = ... vào phần đầu ({example})."
T_WRONG_TYPE = 'Khóa "{key}" phải là {expected}'
T_WRONG_TYPE_FIX = "Sửa giá trị của {key}, ví dụ: {example}."
T_UNKNOWN_KEY = 'Khóa "{key}" không được dùng'
T_UNKNOWN_KEY_FIX = "Xóa dòng này hoặc sửa tên khóa (các khóa hợp lệ: {keys})."
T_BAD_KIND_NAME = 'Tên loại "{kind}" không hợp lệ'
T_BAD_KIND_NAME_FIX = (
    "Chỉ dùng chữ thường không dấu, số và dấu gạch dưới, ví dụ [kinds.task_group]."
)
T_BAD_EXPECTED = '"expected" phải là số nguyên không âm'
T_BAD_EXPECTED_FIX = "Ghi số mục mà Kế hoạch nêu, ví dụ expected = 12, hoặc xóa dòng này."
T_PLAN_MISSING = 'Không đọc được file kế hoạch "{plan}" ({error})'
T_PLAN_MISSING_FIX = (
    "Chép nguyên văn Kế hoạch vào đúng đường dẫn trong thư mục nội dung (mã hóa UTF-8), "
    "hoặc sửa plan_file."
)
T_PLAN_OUTSIDE = 'File kế hoạch "{plan}" nằm ngoài thư mục nội dung'
T_PLAN_OUTSIDE_FIX = "Chép Kế hoạch vào trong thư mục nội dung và ghi đường dẫn tương đối."
T_NO_HEADER = "Thiếu phần đầu: dòng đầu tiên phải là +++"
T_NO_HEADER_FIX = "Bắt đầu file bằng dòng +++, các khóa id, kind, title..., rồi một dòng +++."
T_UNCLOSED_HEADER = "Phần đầu mở bằng +++ nhưng không có dòng +++ đóng lại"
T_UNCLOSED_HEADER_FIX = "Thêm một dòng chỉ có +++ ngay sau khóa cuối cùng của phần đầu."
T_FILE_UNREADABLE = "Không đọc được file ({error})"
T_FILE_UNREADABLE_FIX = "Lưu file với mã hóa UTF-8 và kiểm tra quyền đọc."
T_BAD_ID = 'Mã mục "{id}" không hợp lệ'
T_BAD_ID_FIX = (
    "Chỉ dùng chữ thường không dấu, số và dấu gạch ngang, tối đa 40 ký tự, "
    'ví dụ id = "nhiem-vu-01".'
)
T_DUPLICATE_ID = 'Mã mục "{id}" bị trùng với {other}'
T_DUPLICATE_ID_FIX = "Đặt cho mỗi mục một id riêng."
T_UNKNOWN_KIND = 'Loại "{kind}" chưa được khai báo trong pack.toml'
T_UNKNOWN_KIND_FIX = "Dùng một trong các loại: {kinds}; hoặc thêm [kinds.{kind}] vào pack.toml."
T_BAD_STATUS = 'Trạng thái "{status}" không hợp lệ'
T_BAD_STATUS_FIX = (
    'Ghi status = "provided" (đã có nội dung) hoặc status = "pending" (Kế hoạch có nêu '
    "nhưng chưa có nội dung)."
)
T_EMPTY_TITLE = "Tiêu đề trống"
T_EMPTY_TITLE_FIX = 'Ghi tiêu đề ngắn gọn, ví dụ title = "Hoàn thiện thể chế".'
T_EMPTY_SUMMARY = "Tóm tắt trống"
T_EMPTY_SUMMARY_FIX = 'Viết tóm tắt ngắn trong summary = """...""".'
T_EMPTY_BODY = "Nội dung đầy đủ trống"
T_EMPTY_BODY_FIX = (
    'Viết nội dung sau dòng +++ thứ hai, hoặc đổi thành status = "pending" nếu chưa có.'
)
T_SUMMARY_TOO_LONG = "Tóm tắt dài {length} ký tự, quá giới hạn {limit}"
T_SUMMARY_TOO_LONG_FIX = (
    "Rút gọn tóm tắt cho vừa một màn hình điện thoại; chi tiết để ở phần nội dung."
)
T_NO_QUOTES = "Mục đã có nội dung nhưng không có trích dẫn nào từ Kế hoạch"
T_NO_QUOTES_FIX = 'Thêm quotes = ["câu chép nguyên văn từ Kế hoạch"].'
T_BAD_QUOTE = "Trích dẫn phải là chuỗi không trống"
T_BAD_QUOTE_FIX = 'Mỗi phần tử của quotes là một câu trong ngoặc kép, ví dụ quotes = ["..."].'
T_QUOTE_NOT_FOUND = 'Không tìm thấy trích dẫn trong Kế hoạch: "{quote}"'
T_QUOTE_NOT_FOUND_FIX = (
    "Chép lại nguyên văn từ file kế hoạch (đúng chữ hoa, dấu và dấu câu), hoặc bỏ trích dẫn này."
)
T_BAD_HTML = "Không hiển thị được trên Telegram ({error})"
T_BAD_HTML_FIX = "Kiểm tra định dạng Markdown ở phần này; báo cho kỹ thuật nếu vẫn lỗi."
T_COUNT_MISMATCH = (
    'Loại "{label}" có {count} mục ({provided} đã có nội dung, {pending} chờ), '
    "nhưng Kế hoạch nêu {expected}"
)
T_COUNT_MISMATCH_FIX = (
    'Thêm file .md cho mỗi mục còn thiếu (có thể ghi status = "pending" nếu chưa có nội '
    "dung), bỏ mục thừa, hoặc sửa expected."
)

# ---- people (issue 3: roles, tổ dân phố, invites, consent and data rights, groups)

ROLE_LABELS = {
    "admin": "Quản trị viên",
    "officer": "Cán bộ phường",
    "leader": "Tổ trưởng",
    "resident": "Người dân",
}
BTN_AGREE = "Đồng ý"
BTN_DISAGREE = "Không đồng ý"
BTN_ERASE = "Xóa dữ liệu"
BTN_CANCEL = "Hủy"
BTN_CONFIRM = "Xác nhận"
BTN_REMOVE_OFFICER = "Bỏ quyền cán bộ"
CANCELLED = "Đã hủy, không có gì thay đổi."
PRIVATE_ONLY = "Anh/chị nhắn riêng cho Loa Phường để dùng chức năng này."


def unit_label(code: str, name: str) -> str:
    """ "TDP05 — Tổ dân phố số 5" (plain text: a button, or a span of rich text)."""
    return f"{code} — {name}"


# -- consent (Law 91/2025/QH15)
# What Loa Phường keeps, by the role the person registers with: each notice says only what
# is true for that person (a resident files no reports and leads no tổ).
_CONSENT_KEPT = {
    "resident": (
        "• mã số tài khoản (Telegram hoặc Zalo) và tên hiển thị của anh/chị;\n"
        "• tổ dân phố nơi anh/chị ở, nếu anh/chị chọn;\n"
        "• tin báo sai sự thật anh/chị gửi cho phường (nếu có).\n"
        "Mục đích: gửi tin tuyên truyền của phường (và của tổ, nếu anh/chị chọn tổ) tới"
        " anh/chị. Chỉ cán bộ phường được xem."
    ),
    "leader": (
        "• mã số tài khoản (Telegram hoặc Zalo) và tên hiển thị của anh/chị;\n"
        "• tổ dân phố anh/chị phụ trách;\n"
        "• các báo cáo buổi tuyên truyền anh/chị gửi, kèm ảnh.\n"
        "Mục đích: gửi tin tuyên truyền của phường và nhận báo cáo của tổ. Chỉ cán bộ phường "
        "phụ trách được xem."
    ),
    "officer": (
        "• mã số tài khoản (Telegram hoặc Zalo) và tên hiển thị của anh/chị;\n"
        "• các việc anh/chị làm với vai trò cán bộ (duyệt báo cáo, gửi tin, xử lý tin báo).\n"
        "Mục đích: để phường điều hành việc tuyên truyền. Chỉ cán bộ phường được xem."
    ),
}


def consent_notice(invite_line: Rich | str = "", role: str = "resident") -> Rich:
    kept = _CONSENT_KEPT["officer" if role == "admin" else role]
    return rich(
        rich(invite_line, "\n\n") if invite_line else "",
        bold("Thông báo về dữ liệu cá nhân"),
        f"\nĐể đăng ký, Loa Phường cần lưu:\n{kept} Dữ liệu được giữ đến khi anh/chị xóa "
        "bằng /xoadulieu; riêng nhật ký an toàn (ai làm thao tác quản trị nào, lúc nào) được "
        "phường giữ lại.\n"
        "Căn cứ: Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15. "
        "Xem dữ liệu đã lưu: /dulieucuatoi.\n\n"
        "Không đồng ý thì anh/chị vẫn đọc được mọi nội dung.",
    )


def invite_what(role: str, unit: str = "") -> str:
    """ "tổ trưởng TDP05 — Tổ dân phố số 5", "cán bộ phường"."""
    what = ROLE_LABELS[role].lower()
    return f"{what} {unit}" if unit else what


def invite_line(what: str) -> Rich:
    return bold(f"Lời mời làm {what}")


CONSENT_DECLINED = (
    "Loa Phường không lưu thông tin nào của anh/chị. Anh/chị vẫn đọc được mọi nội dung; "
    "khi muốn đăng ký, gõ /dangky."
)
REGISTERED = rich(
    bold("Đã đăng ký"),
    "\nCảm ơn anh/chị. Xem dữ liệu đã lưu: /dulieucuatoi; xóa dữ liệu: /xoadulieu.",
)
ALREADY_REGISTERED = "Anh/chị đã đăng ký rồi. Xem dữ liệu đã lưu: /dulieucuatoi."


def home_prompt(current: str | None) -> Rich:
    now = f"\nĐang chọn: {current}." if current else ""
    return rich(
        bold("Anh/chị sống ở tổ dân phố nào?"),
        f"{now}\nChọn tổ để nhận cả tin riêng của tổ (không bắt buộc). Đổi lại lúc nào cũng"
        " được: gõ /todanpho.",
    )


HOME_BTN_SKIP = "Bỏ qua"
HOME_BTN_NONE = "Không chọn tổ nào"
HOME_NOT_REGISTERED = "Anh/chị gõ /dangky để đăng ký trước, rồi chọn tổ dân phố."
HOME_CLEARED = "Đã bỏ chọn tổ. Anh/chị vẫn nhận các tin chung của phường."
HOME_SKIPPED = "Được ạ. Khi cần, gõ /todanpho để chọn tổ dân phố nơi anh/chị ở."


def home_set(unit: str) -> Rich:
    return rich(
        bold(f"Đã chọn {unit}"),
        "\nAnh/chị sẽ nhận cả tin phường gửi riêng cho tổ. Đổi lại: /todanpho.",
    )


# -- invites: redeeming
INVITE_UNKNOWN = (
    "Lời mời này không đúng. Anh/chị kiểm tra lại đường link hoặc xin cán bộ phường lời mời mới."
)
LINK_NOT_REGISTERED = "Anh/chị gõ /dangky để đăng ký trước, rồi gõ /themkenh."


def link_code_made(code: str, hours: int) -> Rich:
    return rich(
        bold(f"Mã liên kết của anh/chị: {code}"),
        f"\nMở ứng dụng kia (Zalo hoặc Telegram), nhắn cho Loa Phường và gõ mã này trong {hours}"
        " giờ. Hai tài khoản sẽ là cùng một người: cùng vai trò, cùng các báo cáo. Đừng đưa mã"
        " cho người khác.",
    )


def link_done_for(name: str, role: str) -> Rich:
    who = f"{name}, {role.lower()}" if name and role else name or role
    return rich(
        bold("Đã liên kết"),
        f"\nTài khoản này là cùng một người với {who}: cùng vai trò, cùng các báo cáo.",
    )


LINK_REFUSALS = {
    "expired": "Mã liên kết đã hết hạn. Anh/chị gõ /themkenh ở tài khoản kia để lấy mã mới.",
    "used": "Mã liên kết này đã được dùng. Anh/chị gõ /themkenh ở tài khoản kia để lấy mã mới.",
    "same": "Mã này dùng để gõ ở ứng dụng kia (Zalo hoặc Telegram), không phải ở đây.",
    "taken": (
        "Tài khoản này đã có dữ liệu riêng nên chưa liên kết được. Gõ /xoadulieu ở đây để xóa,"
        " rồi gõ lại mã."
    ),
}
INVITE_CODE_UNKNOWN = (
    "Mã mời này không đúng. Anh/chị xem lại mã trên giấy mời (9 ký tự, ví dụ 7KQ-M4X-P9D)"
    " hoặc xin cán bộ phường mã mới."
)
INVITE_EXPIRED = "Lời mời này đã hết hạn. Anh/chị xin cán bộ phường gửi lời mời mới."
INVITE_USED = (
    "Lời mời này đã được dùng. Mỗi lời mời chỉ dùng một lần; anh/chị xin cán bộ phường "
    "lời mời mới nếu cần."
)
INVITE_REVOKED = "Lời mời này đã bị thu hồi. Anh/chị liên hệ cán bộ phường nếu cần."
INVITE_UNIT_INACTIVE = (
    "Tổ dân phố trong lời mời này đã ngừng hoạt động. Anh/chị liên hệ cán bộ phường."
)


def invite_too_many(minutes: int) -> str:
    return (
        "Anh/chị đã thử nhiều lời mời không đúng. Vì an toàn, Loa Phường tạm không nhận "
        f"lời mời của anh/chị trong {minutes} phút. Anh/chị kiểm tra lại đường link với "
        "cán bộ phường rồi thử lại sau nhé."
    )


# A /start <token> replayed after a restart: the token is never stored, so it is gone.
INVITE_OPEN_AGAIN = (
    "Loa Phường vừa khởi động lại nên chưa nhận được lời mời của anh/chị. "
    "Anh/chị mở lại đường link mời (hoặc quét lại mã QR) nhé."
)


def invite_welcome_leader(unit: str) -> Rich:
    return rich(
        bold(f"Anh/chị đã là tổ trưởng {unit}"),
        "\nViệc tiếp theo: thêm Loa Phường vào nhóm Telegram của tổ, rồi gõ /lienket trong nhóm. "
        "Gõ /canbo để xem các việc anh/chị làm được.",
    )


def invite_welcome_role(role: str) -> Rich:
    return rich(
        bold(f"Anh/chị đã là {ROLE_LABELS[role].lower()} trên Loa Phường"),
        "\nGõ /canbo để xem các việc anh/chị làm được.",
    )


# -- invites: creating, listing, revoking
INVITE_PICK_ROLE = rich(bold("Tạo lời mời"), "\nLời mời này dành cho ai? Chọn bên dưới.")
INVITE_PICK_UNIT = rich(bold("Lời mời tổ trưởng"), "\nChọn tổ dân phố bên dưới.")
INVITE_ROLE_BUTTONS = {
    "leader": "Tổ trưởng",
    "officer": "Cán bộ phường",
    "admin": "Quản trị viên",
}
INVITE_GROUP_HINT = (
    "Lời mời chỉ tạo trong tin nhắn riêng với Loa Phường, để người khác trong nhóm không dùng được."
)
NO_UNITS_YET = (
    "Chưa có tổ dân phố nào. Cán bộ phường nhập danh sách tổ bằng lệnh "
    "python -m bot import-units, hoặc gõ /themto."
)


def invite_caption(what: str, link: str, expires: str, code: str = "", zalo_link: str = "") -> Rich:
    """The invite beside its QR: `link` is Telegram's (empty on a ward on Zalo alone), the
    typed `code` and the chat link `zalo_link` are for Zalo."""
    chat = f" ({zalo_link})" if zalo_link else ""
    if not link:
        scan = "quét mã QR này bằng Zalo" if zalo_link else "tìm Loa Phường trên Zalo"
        return rich(
            bold(f"Lời mời làm {what}"),
            f"\nDùng một lần, hết hạn lúc {expires}.\nNgười được mời {scan} để nhắn cho Loa"
            f" Phường{chat}, rồi gõ mã {code} (đọc cho nhau nghe cũng được).",
        )
    typed = (
        f"\nTrên Zalo: người được mời nhắn cho Loa Phường{chat} rồi gõ mã {code} (đọc cho nhau"
        " nghe cũng được)."
        if code
        else ""
    )
    return rich(
        bold(f"Lời mời làm {what}"),
        f"\n{link}\nDùng một lần, hết hạn lúc {expires}.\n"
        "In mã QR này hoặc gửi đường link cho người được mời: họ quét mã hoặc bấm link, "
        f"rồi bấm Start (Bắt đầu).{typed}",
    )


def invite_made(invite_id: int) -> str:
    return f"Đã tạo lời mời số {invite_id}. Mã QR ở tin nhắn bên dưới."


INVITES_NONE = "Không có lời mời nào còn hạn. Tạo lời mời mới: /moi."


def invites_list(lines: list[str]) -> Rich:
    return rich(
        bold(f"Lời mời còn hạn: {len(lines)}"),
        "\n" + "\n".join(lines) + "\n\nChọn một lời mời bên dưới để thu hồi.",
    )


def invites_line(invite_id: int, what: str, expires: str) -> str:
    return f"• Số {invite_id} — {what}, hết hạn {expires}"


def btn_revoke(invite_id: int) -> str:
    return f"Thu hồi số {invite_id}"


def invite_revoked(invite_id: int) -> str:
    return f"Đã thu hồi lời mời số {invite_id}. Đường link và mã QR của nó không còn dùng được."


INVITE_NOT_OPEN = "Lời mời này không còn mở (đã dùng, đã thu hồi hoặc đã hết hạn)."


# -- my data, erasure
def my_data(lines: list[Rich | str]) -> Rich:
    return rich(
        bold("Dữ liệu Loa Phường lưu về anh/chị"),
        "\n",
        Rich().join(rich("• ", line, "\n") for line in lines),
        f"{MY_MESSAGES_NOTE}\n\nXóa dữ liệu: /xoadulieu.",
    )


MY_MESSAGES_NOTE = "Tin nhắn anh/chị gửi chỉ được giữ đến khi Loa Phường xử lý xong."
# What /dulieucuatoi lists beside the profile: everything /xoadulieu removes (bot/erasure.py).
MY_REPORTS = "Báo cáo đã gửi"
MY_REPORT_PHOTOS = "Ảnh trong báo cáo"
MY_REPORT_DRAFT = "Báo cáo đang soạn dở"
MY_TIPS = "Tin báo đã gửi"
MY_TIP_DRAFT = "Tin báo đang soạn dở"
MY_BROADCAST_DRAFT = "Tin phát đang soạn dở"
MY_NOTICES = "Tin nhắn đang chờ gửi cho anh/chị"
MY_INVITE_OPENED = "Lời mời đang mở"
MY_UNIT_ASK = "Câu hỏi /themto đang chờ anh/chị trả lời"
MY_HOME_UNIT = "Tổ dân phố nơi anh/chị ở"
MY_LINK_CODE = "Mã liên kết kênh đang mở"
MY_TIP_CLOSING = "Tin báo anh/chị đang đóng (chờ ghi chú)"
MY_TIPS_HANDLED = "Tin báo anh/chị đã xử lý"
MY_REVIEWS = "Báo cáo anh/chị đã duyệt"
MY_BROADCASTS = "Tin anh/chị đã gửi đi"
MY_SCHEDULES = "Lịch gửi tin anh/chị đã tạo"


def my_numbered(count: int, numbers: list[int]) -> str:
    """ "3 (số 12, 15, 18)"; past the numbers shown, "và N khác"."""
    shown = ", ".join(str(n) for n in numbers)
    more = count - len(numbers)
    return (
        f"{count} (số {shown}{f' và {more} khác' if more > 0 else ''})" if numbers else str(count)
    )


def my_data_none(audit_entries: int, lines: list[str] | None = None) -> Rich:
    note = (
        f"\nChỉ có {audit_entries} dòng nhật ký an toàn ghi mã số của anh/chị, khi "
        "anh/chị dùng chức năng dành cho cán bộ."
        if audit_entries
        else ""
    )
    if lines:  # what they sent before (or without) registering: a tip, a draft
        return rich(
            bold("Dữ liệu Loa Phường lưu về anh/chị"),
            "\nAnh/chị chưa đăng ký nên Loa Phường không lưu tên hay vai trò. Loa Phường còn "
            "giữ:\n"
            + "\n".join(f"• {line}" for line in lines)
            + note
            + f"\n{MY_MESSAGES_NOTE}\n\nXóa dữ liệu: /xoadulieu. Muốn đăng ký, gõ /dangky.",
        )
    return rich(
        bold("Dữ liệu Loa Phường lưu về anh/chị"),
        "\nAnh/chị chưa đăng ký nên Loa Phường không lưu thông tin cá nhân nào." + note + "\n\n"
        "Muốn đăng ký, gõ /dangky.",
    )


CHANNEL_NAMES = {"telegram": "Telegram", "zalo": "Zalo"}


def my_id(channel: str) -> str:
    """The label of the id a person is reached at on a channel ("Mã số Telegram")."""
    return f"Mã số {CHANNEL_NAMES.get(channel, channel)}"


MY_NAME = "Tên"
MY_ROLE = "Vai trò"
MY_UNITS = "Tổ phụ trách"
MY_CONSENT = "Đồng ý thông báo dữ liệu lúc"
MY_NOTIFICATIONS = "Nhận tin không khẩn của phường"
MY_GROUPS = "Nhóm do anh/chị liên kết"
MY_INVITES = "Lời mời anh/chị đã tạo"
MY_AUDIT = "Nhật ký an toàn"
YES = "có"
NO = "không"


def my_consent(stamp: str, version: str) -> str:
    return f"{stamp} (bản {version})"


def audit_entries(n: int) -> str:
    return f"{n} dòng"


ERASE_CONFIRM = rich(
    bold("Xóa dữ liệu của anh/chị?"),
    "\nLoa Phường sẽ xóa tên, vai trò, tổ phụ trách, bản nháp, ảnh và những tin nhắn của "
    "anh/chị mà Loa Phường còn giữ.\n"
    "Chỉ còn lại: báo cáo đã gửi, dưới dạng số liệu của tổ, không ghi người gửi; tin báo đã "
    "gửi, không ghi người báo; nhật ký an toàn của phường, chỉ ghi mã số và việc đã "
    "làm.\n"
    "Việc này không hoàn tác được.",
)
ERASE_CONFIRM_UNREGISTERED = rich(
    bold("Xóa dữ liệu của anh/chị?"),
    "\nAnh/chị chưa đăng ký nên Loa Phường không lưu tên hay vai trò. Loa Phường sẽ xóa những "
    "tin nhắn, bản nháp và ảnh của anh/chị mà Loa Phường còn giữ; tin báo đã gửi chỉ còn "
    "nội dung, không ghi người báo. Nhật ký an toàn của phường ghi lại việc xóa này.\n"
    "Việc này không hoàn tác được.",
)
ERASE_DONE = rich(
    bold("Đã xóa dữ liệu của anh/chị"),
    "\nAnh/chị vẫn đọc được mọi nội dung. Khi cần, gõ /dangky để đăng ký lại.",
)
ERASE_DONE_UNREGISTERED = rich(
    bold("Đã xóa"),
    "\nLoa Phường không còn giữ tin nhắn nào của anh/chị. Anh/chị vẫn đọc được mọi nội dung.",
)

# -- groups
LINK_PRIVATE_HINT = (
    "Anh/chị thêm Loa Phường vào nhóm Telegram của tổ, rồi gõ /lienket trong nhóm đó."
)
LINK_PICK = rich(bold("Liên kết nhóm với tổ dân phố"), "\nChọn tổ của nhóm này bên dưới.")


def link_done(title: str, unit: str) -> Rich:
    return rich(
        bold(f"Đã liên kết nhóm “{title}” với {unit}"),
        "\nTin của phường dành cho tổ sẽ được gửi vào nhóm này.",
    )


def link_already(unit: str) -> Rich:
    return rich(f"Nhóm này đã liên kết với {unit}.")


def link_move_ask(current: str, wanted: str) -> Rich:
    return rich(
        bold("Nhóm này đang liên kết với tổ khác"),
        f"\nĐang liên kết: {current}.\nNếu chuyển sang {wanted}, tin của phường dành cho"
        " tổ cũ sẽ không vào nhóm này nữa.\nAnh/chị có chuyển không?",
    )


def link_btn_move(code: str) -> str:
    return f"Chuyển sang {code}"


def link_btn_keep(code: str) -> str:
    return f"Giữ {code}"


LINK_KEPT = "Đã giữ liên kết cũ, không có gì thay đổi."


def unit_not_found(code: str) -> Rich:
    return rich(f"Không có tổ dân phố mã {code}. Gõ /dsto để xem danh sách.")


# -- officer tools
CANBO_TITLE = "Việc anh/chị làm được trên Loa Phường"
CANBO_FOOTER = "Gõ một lệnh ở trên để bắt đầu."
# /canbo's lines, in this order; each is shown to the roles bot/commands.py allows.
TOOL_LINES: dict[str, str] = {
    "lienket": "liên kết nhóm Telegram của tổ (gõ trong nhóm)",
    "moi": "tạo lời mời kèm mã QR để in",
    "loimoi": "xem và thu hồi lời mời còn hạn",
    "dsto": "danh sách tổ, tổ trưởng và nhóm",
    "nhom": "các nhóm Telegram của các tổ",
    "huytotruong": "thôi giao một tổ trưởng",
    "themto": "thêm hoặc sửa tổ: /themto MÃ Tên tổ | khu vực",
    "doiten": "đổi tên tổ: /doiten MÃ Tên mới",
    "ngungto": "ngừng một tổ: /ngungto MÃ",
    "capquyen": "giao hoặc bỏ quyền cán bộ, quản trị viên",
    "dulieucuatoi": "xem dữ liệu Loa Phường lưu về anh/chị",
    "baocao": "báo cáo một buổi tuyên truyền của tổ",
    "baocaocuatoi": "xem, sửa hoặc rút báo cáo đã gửi",
    "duyetbaocao": "báo cáo đang chờ duyệt",
    "chuabaocao": "các tổ chưa báo cáo kỳ này",
    "xulytin": "tin báo sai sự thật chờ xử lý",
    "guitin": "soạn và gửi tin tới tổ trưởng, nhóm, người dân",
    "tinhtrang": "tình trạng các tin đã gửi",
    "lich": "lịch gửi tin: xem, tạm dừng, xóa",
    "baotin": "báo tin sai sự thật",
}


def menu_line_of_tool(name: str) -> str:
    """A /canbo line as the description in Telegram's command menu (capitalised)."""
    line = TOOL_LINES[name]
    return line[:1].upper() + line[1:]


def canbo_menu(role: str, lines: list[str]) -> Rich:
    return rich(
        bold(CANBO_TITLE),
        f"\nVai trò: {ROLE_LABELS[role]}\n\n" + "\n".join(lines) + f"\n\n{CANBO_FOOTER}",
    )


def canbo_line(command: str, description: str) -> str:
    return f"• /{command} — {description}"


def dsto_title(total: int, with_leader: int, with_group: int) -> Rich:
    return rich(
        bold(f"Tổ dân phố: {total} tổ"),
        f"\nCó tổ trưởng: {with_leader}/{total} · Có nhóm: {with_group}/{total}",
    )


def dsto_unit(unit: str, area: str, leaders: list[str], groups: list[str]) -> Rich:
    where = f" ({area})" if area else ""
    who = ", ".join(leaders) if leaders else italic("chưa có")
    chats = ", ".join(groups) if groups else italic("chưa liên kết")
    return rich("• ", bold(unit), f"{where}\n  Tổ trưởng: ", who, "\n  Nhóm: ", chats)


def group_name(title: str, active: bool) -> str:
    return title + ("" if active else " (Loa Phường đã rời nhóm)")


def nhom_title(total: int) -> Rich:
    return bold(f"Nhóm Telegram: {total} nhóm")


def nhom_line(group: str, unit: str | None) -> Rich:
    return rich(f"• {group} — ", unit if unit else italic("chưa liên kết tổ"))


NHOM_NONE = (
    "Loa Phường chưa ở trong nhóm nào. Tổ trưởng thêm Loa Phường vào nhóm của tổ rồi gõ "
    "/lienket trong nhóm."
)
DSTO_NONE = NO_UNITS_YET

# -- deactivating a leader
DEACT_PICK = rich(bold("Thôi giao tổ trưởng"), "\nChọn người cần thôi giao bên dưới.")
DEACT_NONE = "Chưa có tổ trưởng nào."


def deact_confirm(name: str, unit: str) -> Rich:
    return rich(
        bold(f"Thôi giao {name} làm tổ trưởng {unit}?"),
        "\nNgười này sẽ không làm được việc của tổ trưởng cho tổ này nữa.",
    )


def deact_done(name: str, unit: str) -> Rich:
    return rich(f"Đã thôi giao {name} làm tổ trưởng {unit}.")


DEACT_GONE = "Người này không còn là tổ trưởng của tổ này."

# -- roles given by an admin
PROMOTE_PICK = rich(bold("Giao quyền"), "\nChọn một người đã đăng ký bên dưới.")
PROMOTE_NONE = (
    "Chưa có ai đăng ký để giao quyền. Anh/chị có thể tạo lời mời cán bộ phường bằng /moi."
)


def promote_choose(name: str, role: str) -> Rich:
    return rich(bold(name), f"\nVai trò hiện tại: {ROLE_LABELS[role]}. Chọn vai trò mới bên dưới.")


def promote_done(name: str, role: str) -> Rich:
    return rich(f"Đã đổi vai trò của {name} thành {ROLE_LABELS[role]}.")


PERSON_GONE = "Người này không còn đăng ký trên Loa Phường."

# -- units in chat (admins)
UNIT_ADD_USAGE = (
    "Anh/chị gõ: /themto MÃ Tên tổ | khu vực, ví dụ: /themto TDP05 Tổ dân phố số 5 | Khu 1"
)
UNIT_RENAME_USAGE = "Anh/chị gõ: /doiten MÃ Tên mới, ví dụ: /doiten TDP05 Tổ dân phố số 5A"
UNIT_DEACT_USAGE = "Anh/chị gõ: /ngungto MÃ, ví dụ: /ngungto TDP05"


def unit_input_problem(problem: str, usage: str) -> Rich:
    return rich(f"{problem[:1].upper() + problem[1:]} {usage}")


def unit_saved(unit: str, created: bool) -> Rich:
    return rich(f"{'Đã thêm' if created else 'Đã cập nhật'} {unit}.")


def unit_with_area(code: str, name: str, area: str) -> str:
    """ "TDP05 — Tổ dân phố số 5 (Khu 1)": a tổ as /themto would save it."""
    return unit_label(code, name) + (f" ({area})" if area else "")


def unit_ask_split(typed: str, other: str) -> Rich:
    return rich(
        bold("Anh/chị muốn tạo tổ nào?"),
        f"\nGõ như vậy sẽ tạo tổ mới {typed}.\nCó thể số tổ là một phần của mã: {other}."
        "\nAnh/chị chọn bên dưới.",
    )


def unit_ask_near(typed: str, existing: str) -> Rich:
    return rich(
        bold("Đã có một tổ mã gần giống"),
        f"\nĐang có: {existing}.\nGõ như vậy sẽ tạo thêm tổ mới {typed}."
        "\nAnh/chị sửa tổ đang có, hay tạo tổ mới?",
    )


def unit_ask_change(before: str, after: str) -> Rich:
    return rich(
        bold("Tổ này đã có tên"),
        f"\nĐang là: {before}.\nSẽ đổi thành: {after}.\nAnh/chị đổi không?",
    )


def unit_btn_create(label: str) -> str:
    return f"Tạo {label}"


def unit_btn_update(code: str) -> str:
    return f"Sửa tổ {code} đang có"


UNIT_BTN_CHANGE = "Đổi như vừa gõ"
UNIT_BTN_KEEP = "Giữ như cũ"
UNIT_BTN_NONE = "Thôi, không lưu gì"
UNIT_KEPT = "Đã giữ nguyên, không có gì thay đổi."
UNIT_ASK_STALE = "Câu hỏi này đã cũ hoặc đã được trả lời. Anh/chị gõ lại /themto nếu cần."


def unit_renamed(unit: str) -> Rich:
    return rich(f"Đã đổi tên: {unit}.")


def unit_deactivated(unit: str) -> Rich:
    return rich(
        f"Đã ngừng {unit}. Tổ trưởng và nhóm của tổ được giữ lại; gõ /themto với cùng mã để mở lại."
    )


# -- CSV import (command line; messages complete "Dòng N: …")
def csv_problem(line: int, message: str) -> str:
    return f"Dòng {line}: {message}"


CSV_IS_XLSX = (
    "đây là tệp Excel (.xlsx), chưa phải CSV. Trong Excel chọn Lưu thành → CSV UTF-8 rồi "
    "nhập tệp .csv đó."
)
CSV_NOT_UTF8 = (
    "tệp không ở dạng UTF-8 (chữ có dấu sẽ bị lỗi). Trong Excel chọn Lưu thành → CSV UTF-8."
)
CSV_EMPTY = "tệp trống."
CSV_BAD_HEADER = (
    "dòng tiêu đề cần có cột mã tổ và cột tên tổ, ví dụ: Mã tổ;Tên tổ;Khu vực "
    "(hoặc code,name,area)."
)


def csv_duplicate_header(cell: str) -> str:
    return f"cột “{cell}” bị lặp."


CSV_BROKEN_ROW = "dòng bị hỏng: dấu nháy kép đặt sai chỗ hoặc không được đóng."


def csv_too_many_cells(width: int, count: int) -> str:
    return f"có {count} ô, nhiều hơn {width} cột của dòng tiêu đề."


CSV_NO_CODE = "thiếu mã tổ."
CSV_NO_NAME = "thiếu tên tổ."
CSV_COL_NAME = "tên tổ"
CSV_COL_AREA = "khu vực"
CSV_NO_ROWS = "tệp chỉ có dòng tiêu đề, chưa có tổ nào."


def csv_bad_code(code: str) -> str:
    return (
        f"mã tổ “{code}” chỉ được gồm chữ không dấu, số và các dấu . _ - "
        "(tối đa 32 ký tự), ví dụ TDP05."
    )


def csv_too_long(column: str, limit: int) -> str:
    return f"{column} dài quá {limit} ký tự."


def csv_duplicate_code(code: str, line: int) -> str:
    return f"mã tổ {code} đã có ở dòng {line}."


# -- command line (for officials)
IMPORT_FAILED = "Chưa nhập tổ nào vì tệp có lỗi:"
IMPORT_FIX = "Sửa các dòng trên trong Excel, lưu lại dạng CSV UTF-8, rồi chạy lại lệnh."


def import_done(added: int, updated: int, unchanged: int) -> str:
    return (
        f"Đã nhập danh sách tổ dân phố: {added} tổ mới, {updated} tổ cập nhật, "
        f"{unchanged} tổ không đổi."
    )


def cli_file_missing(path: str) -> str:
    return f"Không mở được tệp {path}. Kiểm tra lại đường dẫn."


CLI_NO_USERNAME = (
    "Không hỏi được tên bot từ Telegram. Chạy lại với --bot-username TÊN_BOT "
    "(tên bot do BotFather cấp, kết thúc bằng bot)."
)
CLI_LEADER_NEEDS_UNIT = (
    "Lời mời tổ trưởng cần --unit MÃ_TỔ (hoặc --all cho mọi tổ chưa có tổ trưởng)."
)
CLI_UNIT_ONLY_FOR_LEADER = "--unit và --all chỉ dùng cho lời mời tổ trưởng (--role leader)."


def cli_unknown_unit(code: str) -> str:
    return (
        f"Không có tổ dân phố mã {code} (hoặc tổ đã ngừng). Xem danh sách tổ: /dsto trong Telegram."
    )


def cli_invite(what: str, link: str, expires: str, png: str, code: str = "") -> str:
    """One invite made by the command line; `link` empty on a ward on Zalo alone, `png` empty
    when no QR could be drawn (Zalo alone without [zalo] chat_link)."""
    typed = f"\nTrên Zalo (hoặc gõ tay): nhắn cho Loa Phường rồi gõ mã {code}" if code else ""
    head = f"Lời mời làm {what}: {link}" if link else f"Lời mời làm {what}"
    qr = f"\nMã QR: {png}" if png else ""
    return f"{head}\nDùng một lần, hết hạn lúc {expires}.{qr}{typed}"


def cli_all_done(
    count: int, folder: str, skipped: int, telegram: bool = True, zalo: bool = False
) -> str:
    files = [name for name, on in (("MÃ_TỔ.png", telegram), ("MÃ_TỔ-zalo.png", zalo)) if on]
    each = f"mỗi tổ tệp {' và '.join(files)}, " if files else ""
    return (
        f"Đã tạo {count} lời mời tổ trưởng trong thư mục {folder} "
        f"({each}danh sách và mã gõ trong invites.csv). "
        f"Bỏ qua {skipped} tổ đã có tổ trưởng hoặc còn lời mời chưa dùng."
    )


# ---- reports (issue 4: the report flow, review, reminders, misinformation tips)
# Owned by the reports engineer; the lead may move these. Rich text: a value a person typed
# is a span, never markup.

R_HEADING = "📝 Báo cáo"
R_CANCEL_HINT = "Gõ /huy nếu muốn bỏ báo cáo này."
R_KEPT = "Các thông tin đã nhập vẫn được giữ."


def r_number(value: int) -> str:
    """1250 → "1.250": Vietnamese groups thousands with a dot."""
    return f"{value:,}".replace(",", ".")


def r_heading(unit_name: str = "") -> Rich:
    return bold(f"{R_HEADING} — {unit_name}" if unit_name else R_HEADING)


R_NOT_LEADER = (
    "Chức năng báo cáo dành cho tổ trưởng, tuyên truyền viên của tổ dân phố. Nếu anh/chị "
    "phụ trách một tổ, xin cán bộ phường gửi lời mời tổ trưởng."
)
R_PRIVATE_ONLY = (
    "Báo cáo gửi trong tin nhắn riêng: anh/chị nhắn riêng cho Loa Phường rồi gõ /baocao."
)

# -- the questions, one per step
R_Q_UNIT = "Anh/chị báo cáo cho tổ nào? Chọn một tổ bên dưới."
R_Q_DATE = "Buổi tuyên truyền diễn ra ngày nào? Chọn Hôm nay, Hôm qua, hoặc gõ ngày"


def r_q_date(example: str) -> str:
    """The date question; `example` is a date of the last few days (never a stale one)."""
    return f"{R_Q_DATE}, ví dụ {example}."


R_Q_FORM = "Buổi tuyên truyền theo hình thức nào? Chọn một hình thức bên dưới."
R_Q_FORM_OTHER = "Anh/chị gõ tên hình thức, ví dụ: Đến từng hộ gia đình."
R_Q_TOPICS = (
    "Buổi tuyên truyền nói về nội dung nào? Chọn một nội dung, chọn lần nữa để bỏ; chọn "
    "được nhiều nội dung. Chọn đủ rồi thì chọn Xong."
)
R_Q_ATTENDANCE = "Có bao nhiêu người tham dự? Gõ một số, ví dụ: 35 hoặc khoảng 40."
R_Q_NOTES = (
    "Anh/chị ghi chú ngắn về buổi tuyên truyền (không quá 1.000 ký tự), ví dụ: Bà con "
    "quan tâm chuyển đổi số. Không có thì chọn Bỏ qua."
)
R_Q_PHOTOS = (
    "Anh/chị gửi ảnh buổi tuyên truyền, tối đa 10 ảnh (bấm 📎 rồi chọn ảnh). "
    "Gửi xong, hoặc không có ảnh, thì chọn Xong."
)
R_Q_DIFFICULTIES = (
    "Tổ có khó khăn, vướng mắc hay đề xuất gì không? Gõ ngắn gọn, ví dụ: Cần thêm tài "
    "liệu in cho bà con. Không có thì chọn Không có."
)
R_Q_EDIT = "Anh/chị muốn sửa mục nào? Chọn bên dưới."

# -- wrong input: what was expected, an example, and that nothing was lost
R_FILE_NOT_TAKEN = (
    "Tệp này chưa nhận được: báo cáo chỉ nhận ảnh (chụp hoặc chọn từ máy, dạng JPG, PNG), "
    "không nhận tệp PDF hay tài liệu. Anh/chị gửi ảnh, hoặc chọn Xong nếu không có ảnh."
)
R_FILE_NOT_HERE = "Bước này chưa nhận tệp. Anh/chị trả lời câu hỏi bên dưới."
R_INPUT_NOT_TAKEN = "Loa Phường chưa nhận được loại tin này. Anh/chị trả lời câu hỏi bên dưới."
R_BAD_DATE = "Ngày chưa đúng. Anh/chị nhập theo dạng ngày/tháng/năm"
R_FUTURE_DATE = "Ngày này chưa tới. Anh/chị chỉ báo cáo buổi đã diễn ra"


def r_bad_date(example: str) -> str:
    return f"{R_BAD_DATE}, ví dụ {example}."


def r_future_date(example: str) -> str:
    return f"{R_FUTURE_DATE}, ví dụ hôm nay hoặc {example}."


def r_old_date(days: int) -> str:
    return (
        f"Ngày này đã quá {days} ngày nên không báo cáo được nữa. Anh/chị nhập ngày gần đây "
        "hơn, ví dụ hôm qua."
    )


R_BAD_ATTENDANCE = "Số người chưa đúng. Anh/chị gõ một số, ví dụ: 35 hoặc khoảng 40."
R_RANGE_ATTENDANCE = "Số người phải từ 1 đến 10.000. Anh/chị gõ lại, ví dụ: 35."


def r_too_long_kept(length: int, limit: int) -> str:
    return (
        f"Nội dung dài {r_number(length)} ký tự, quá giới hạn {r_number(limit)} ký tự. Bot vẫn"
        f" giữ nguyên đoạn anh/chị gõ: chọn “Giữ {r_number(limit)} ký tự đầu”, hoặc gõ lại"
        " ngắn hơn (đoạn đã gõ được gửi lại ngay dưới đây để anh/chị sao chép)."
    )


def r_btn_cut(limit: int) -> str:
    return f"✂️ Giữ {r_number(limit)} ký tự đầu"


def r_current_text(label: str, text: str) -> str:
    return f"{label} hiện có: “{text}”"


def r_too_long(length: int, limit: int) -> str:
    return (
        f"Nội dung dài {r_number(length)} ký tự, quá giới hạn {r_number(limit)} ký tự. "
        "Anh/chị viết ngắn lại rồi gửi lại."
    )


R_NEED_TEXT = "Anh/chị gõ nội dung bằng chữ, ví dụ: Đến từng hộ gia đình."
R_PICK_BUTTON = "Anh/chị chọn một mục bên dưới để trả lời."
R_PICK_TOPICS = "Anh/chị chọn các nội dung ở bên dưới; chọn đủ rồi thì chọn Xong."
R_NEED_TOPIC = "Anh/chị chọn ít nhất một nội dung."
R_PHOTO_EXPECTED = "Ở bước này Loa Phường cần ảnh. Anh/chị gửi ảnh, hoặc chọn Xong."
R_STALE_STEP = "Nút này thuộc một bước đã qua."


def r_photo_added(count: int, limit: int) -> str:
    return f"Đã nhận ảnh {count}/{limit}."


R_PHOTO_DUPLICATE = "Ảnh này đã có trong báo cáo."
R_PHOTOS_FULL = "Báo cáo đã đủ 10 ảnh; ảnh vừa gửi không được thêm."
R_PHOTOS_CLEARED = "Đã xóa các ảnh đã gửi."
R_PHOTOS_MORE = "Gửi thêm ảnh, hoặc chọn Xong."

# -- buttons of the flow
R_BTN_TODAY = "Hôm nay"
R_BTN_YESTERDAY = "Hôm qua"
R_BTN_SKIP = "Bỏ qua"
R_BTN_CLEAR_TEXT = "Để trống"
R_BTN_DONE = "Xong"
R_BTN_NONE = "Không có"
R_BTN_CLEAR_PHOTOS = "Xóa ảnh đã gửi"
R_BTN_SEND = "Gửi"
R_BTN_EDIT = "Sửa"
R_BTN_CANCEL = "Hủy"
R_BTN_RESUME = "Tiếp tục"
R_BTN_START_OVER = "Làm báo cáo mới"
R_BTN_REPORT_NOW = "Báo cáo ngay"


def r_btn_topics_done(count: int) -> str:
    return f"Xong ({count} đã chọn)" if count else "Xong"


R_FORM_LABELS = {
    "hop_to": "Họp tổ dân phố",
    "chi_bo": "Sinh hoạt chi bộ",
    "hoi_nghi": "Hội nghị, tọa đàm",
    "loa": "Loa truyền thanh",
    "mxh": "Mạng xã hội (Zalo, Facebook…)",
    "truc_quan": "Cổ động trực quan (panô, áp phích)",
    "khac": "Khác (tự gõ)",
}

# -- the summary and the fields of a report
R_F_UNIT = "Tổ"
R_F_DATE = "Ngày"
R_F_FORM = "Hình thức"
R_F_TOPICS = "Nội dung"
R_F_ATTENDANCE = "Số người dự"
R_F_NOTES = "Ghi chú"
R_F_PHOTOS = "Ảnh"
R_F_DIFFICULTIES = "Khó khăn, đề xuất"
R_F_LEADER = "Người báo cáo"
R_F_STATUS = "Trạng thái"
R_F_REASON = "Ý kiến của cán bộ phường"
R_F_CHANGED = "Tổ trưởng đã sửa"


def r_changed_field(label: str, was: str) -> str:
    return f"{label} (trước: {was})"


R_SOME_OFFICER = "cán bộ phường"  # an admin named only by id in the config has no name here


def r_decided_by(name: str, when: str) -> str:
    return f"Người duyệt: {name}, lúc {when}"


R_NONE = "không có"
R_RECAP = "Đã ghi"
R_SUMMARY_TITLE = bold("Kiểm tra báo cáo trước khi gửi")
R_SUMMARY_NEXT = "Đúng rồi thì chọn Gửi; chọn Sửa để thay đổi một mục, Hủy để bỏ báo cáo."


R_ABOUT = {"about": "khoảng", "over": "hơn", "nearly": "gần", "under": "dưới"}


def r_people(count: int, about: str = "") -> str:
    """ "40 người", "khoảng 40 người" (an estimate, as the leader gave it)."""
    word = R_ABOUT.get(about, "")
    return f"{word + ' ' if word else ''}{r_number(count)} người"


def r_photos(count: int) -> str:
    return f"{count} ảnh" if count else R_NONE


def r_topics_count(count: int) -> str:
    return f"{count} nội dung"


R_STATUS_LABELS = {
    "submitted": "Chờ duyệt",
    "approved": "Đạt",
    "needs_more": "Cần bổ sung",
    "rejected": "Không hợp lệ",
    "withdrawn": "Đã rút",
}
R_STEP_LABELS = {
    "unit": "chọn tổ",
    "date": "ngày",
    "form": "hình thức",
    "form_other": "hình thức",
    "topics": "nội dung",
    "attendance": "số người dự",
    "notes": "ghi chú",
    "photos": "ảnh",
    "difficulties": "khó khăn, đề xuất",
    "summary": "kiểm tra trước khi gửi",
    "edit": "sửa báo cáo",
}

# -- resuming and ending
R_RESUME_TITLE = bold("Anh/chị đang có báo cáo dở — tiếp tục?")


def r_resume(unit_name: str, step: str, saved_at: str) -> Rich:
    return rich(
        R_RESUME_TITLE,
        f"\n{unit_name}, đang ở bước {step} (lưu lúc {saved_at}). {R_KEPT}\n"
        "Chọn Tiếp tục để làm tiếp, hoặc Làm báo cáo mới để bỏ báo cáo dở.",
    )


def r_receipt(number: int, unit_name: str) -> Rich:
    return rich(
        bold(f"Đã gửi báo cáo số {number}"),
        f"\nCảm ơn anh/chị. Cán bộ phường sẽ xem báo cáo của {unit_name} và phản hồi "
        "tại đây. Gõ /baocaocuatoi để xem các báo cáo đã gửi.",
    )


R_NO_REVIEWER = (
    "\n\nPhường chưa có cán bộ nào khác để duyệt báo cáo này (không ai tự duyệt báo cáo của "
    "mình). Quản trị viên có thể giao thêm cán bộ bằng /capquyen; báo cáo vẫn được giữ."
)
R_OWN_REPORT = (
    "Anh/chị không tự duyệt báo cáo của mình. Báo cáo đã được gửi tới các cán bộ khác để duyệt."
)


def r_receipt_again(number: int) -> Rich:
    return rich(
        bold(f"Đã gửi lại báo cáo số {number}"),
        "\nCảm ơn anh/chị. Cán bộ phường sẽ xem lại và phản hồi tại đây.",
    )


R_CANCEL_ASK = (
    "Bỏ báo cáo đang soạn? Các câu trả lời anh/chị đã nhập sẽ mất. Hoặc giữ lại để làm "
    "tiếp sau: gõ /baocao khi nào tiện."
)


def r_cancel_edit_ask(number: int) -> str:
    return (
        f"Bỏ các thay đổi của báo cáo số {number}? Báo cáo đã gửi vẫn giữ như cũ. Hoặc giữ "
        "lại các thay đổi để làm tiếp sau: gõ /baocao khi nào tiện."
    )


R_BTN_DROP = "Bỏ báo cáo này"
R_BTN_KEEP = "Giữ lại, làm tiếp sau"
R_KEPT_FOR_LATER = (
    "Đã giữ báo cáo đang soạn. Khi tiện, anh/chị gõ /baocao để làm tiếp từ chỗ đã dừng."
)
R_CANCELLED = "Đã hủy báo cáo dở. Khi cần, anh/chị gõ /baocao để báo cáo."


def r_edit_cancelled(number: int) -> str:
    return f"Đã thôi sửa. Báo cáo số {number} giữ nguyên như trước."


def r_not_editable(number: int, status: str) -> Rich:
    return rich(
        f"Báo cáo số {number} đang ở trạng thái {status} nên không sửa hay rút được "
        "nữa. Gõ /baocao để gửi báo cáo mới."
    )


def r_not_your_unit(unit_name: str) -> Rich:
    return rich(
        f"Anh/chị không còn phụ trách {unit_name} nên báo cáo này chưa gửi được. "
        "Gõ /huy để bỏ báo cáo dở, hoặc liên hệ cán bộ phường."
    )


def r_busy_with_draft(number: int) -> Rich:
    return rich(
        R_RESUME_TITLE,
        f"\nAnh/chị cần làm xong hoặc bỏ báo cáo dở trước khi sửa báo cáo số {number}.",
    )


def r_btn_fix_instead(number: int) -> str:
    return f"Bỏ dở, sửa số {number}"


R_REPORT_NOT_FOUND = "Không tìm thấy báo cáo này. Gõ /baocaocuatoi để xem các báo cáo đã gửi."
R_DRAFT_GONE = (
    "Báo cáo này đã được gửi hoặc đã hủy. Gõ /baocaocuatoi để xem báo cáo đã gửi, "
    "hoặc /baocao để báo cáo buổi khác."
)

# -- /baocaocuatoi
R_MY_TITLE = bold("Báo cáo anh/chị đã gửi")
R_MY_NONE = "Anh/chị chưa gửi báo cáo nào. Gõ /baocao để báo cáo buổi tuyên truyền."
R_MY_NEXT = "Chọn một báo cáo để xem, sửa hoặc rút."


def r_my_line(number: int, day: str, form: str, status: str) -> str:
    return f"• Số {number} · {day} · {form} — {status}"


def r_btn_number(number: int) -> str:
    return f"Số {number}"


R_BTN_EDIT_REPORT = "Sửa báo cáo"
R_BTN_WITHDRAW = "Rút báo cáo"
R_BTN_FIX = "Bổ sung báo cáo"


def r_withdraw_confirm(number: int) -> Rich:
    return rich(
        bold(f"Rút báo cáo số {number}?"),
        "\nCán bộ phường sẽ không xét báo cáo này nữa. "
        "Anh/chị vẫn gửi được báo cáo mới bất cứ lúc nào.",
    )


def r_withdrawn(number: int) -> str:
    return f"Đã rút báo cáo số {number}."


# -- review by officers
def r_card_title(number: int, unit_name: str, edited: bool = False) -> Rich:
    mark = " (đã sửa)" if edited else ""
    return bold(f"Báo cáo số {number}{mark} — {unit_name}")


R_BTN_APPROVE = "Đạt"
R_BTN_NEEDS_MORE = "Cần bổ sung"
R_BTN_REJECT = "Không hợp lệ"
R_BTN_PHOTOS = "Xem ảnh"


def r_ask_reason(number: int, needs_more: bool) -> Rich:
    if needs_more:
        return rich(
            bold(f"Báo cáo số {number} cần bổ sung"),
            "\nAnh/chị gõ nội dung cần bổ sung, ví dụ: Thiếu ảnh buổi họp. Gõ /huy để thôi.",
        )
    return rich(
        bold(f"Báo cáo số {number} không hợp lệ"),
        "\nAnh/chị gõ lý do, ví dụ: Trùng với báo cáo số 10. Gõ /huy để thôi.",
    )


R_REASON_NEEDED = "Anh/chị gõ lý do bằng chữ, ví dụ: Thiếu ảnh buổi họp."


def r_reviewed(number: int, verdict: str) -> str:
    return f"Báo cáo số {number}: {verdict}. Loa Phường đã báo cho tổ trưởng."


def r_already_reviewed(number: int, status: str) -> str:
    return f"Báo cáo số {number} đã được xử lý: {status}."


R_REPORT_CHANGED = "Tổ trưởng vừa sửa báo cáo; đây là bản mới nhất."


def r_review_dropped(number: int) -> str:
    return f"Đã thôi. Báo cáo số {number} vẫn chờ duyệt."


def r_verdict_approved(number: int, unit_name: str, day: str) -> Rich:
    return rich(
        bold(f"Báo cáo số {number} đã được duyệt: Đạt"),
        f"\nBáo cáo buổi tuyên truyền ngày {day} của {unit_name} đạt yêu cầu. Cảm ơn anh/chị.",
    )


def r_verdict_needs_more(number: int, day: str, reason: str) -> Rich:
    return rich(
        bold(f"Báo cáo số {number} cần bổ sung"),
        f"\nBáo cáo buổi ngày {day}. Cán bộ phường đề nghị: {reason}\n\n"
        "Anh/chị chọn Bổ sung báo cáo để sửa rồi gửi lại.",
    )


def r_verdict_rejected(number: int, day: str, reason: str) -> Rich:
    return rich(
        bold(f"Báo cáo số {number} không hợp lệ"),
        f"\nBáo cáo buổi ngày {day}. Lý do: {reason}\n\n"
        "Nếu cần trao đổi, anh/chị liên hệ Phòng Văn hóa - Xã hội phường.",
    )


def r_difficulty(number: int, unit_name: str, day: str, text: str) -> Rich:
    return rich(
        bold(f"Khó khăn, đề xuất từ {unit_name}"),
        f"\nBáo cáo số {number}, buổi ngày {day}:\n\n{text}",
    )


def r_withdrawn_notice(number: int, unit_name: str) -> Rich:
    return rich(f"Báo cáo số {number} của {unit_name} đã được tổ trưởng rút lại.")


def r_digest(count: int, lines: list[str], more: int) -> Rich:
    tail = f"\n…và {more} báo cáo khác: gõ /duyetbaocao để xem tất cả." if more else ""
    return rich(
        bold(f"Báo cáo mới: {count}"),
        "\n" + "\n".join(lines) + tail + "\n\nChọn một báo cáo để xem và duyệt.",
    )


def r_digest_line(number: int, unit_name: str, day: str, form: str) -> str:
    return f"• Số {number} · {unit_name} · {day} · {form}"


def r_btn_show(number: int) -> str:
    return f"Xem số {number}"


R_PENDING_NONE = "Không có báo cáo nào đang chờ duyệt."


def r_pending(count: int, lines: list[str], more: int) -> Rich:
    tail = f"\n…và {more} báo cáo khác." if more else ""
    return rich(
        bold(f"Báo cáo chờ duyệt: {count}"),
        "\n" + "\n".join(lines) + tail + "\n\nChọn một báo cáo để xem và duyệt.",
    )


# -- periods, reminders, silent tổ
def r_period_week(start: str, end: str) -> str:
    return f"tuần này ({start}–{end})"


def r_period_month(month: str) -> str:
    return f"tháng {month}"


def r_reminder(unit_names: list[str], period: str, from_officer: bool = False) -> Rich:
    units = ", ".join(unit_names)
    return rich(
        bold("Cán bộ phường nhắc báo cáo" if from_officer else "Nhắc báo cáo"),
        f"\n{units} chưa có báo cáo {period}. Nếu tổ đã tuyên "
        "truyền, anh/chị chọn Báo cáo ngay; chỉ mất vài phút.",
    )


R_SILENT_TITLE = bold("Các tổ chưa báo cáo")


def r_silent(period: str, silent: int, total: int, lines: list[str]) -> Rich:
    return rich(
        bold(f"Các tổ chưa báo cáo {period}"),
        f"\n{silent}/{total} tổ chưa có báo cáo:\n" + "\n".join(lines),
    )


R_BTN_NUDGE = "🔔 Nhắc các tổ này"
R_BTN_NUDGE_YES = "Gửi lời nhắc"


def r_nudge_ask(units: int, leaders: int, no_leader: int) -> Rich:
    lines: list[Rich | str] = [
        bold("Nhắc các tổ chưa báo cáo?"),
        f"Bot sẽ nhắn lời nhắc tới {leaders} tổ trưởng của {units} tổ, ngay bây giờ.",
    ]
    if no_leader:
        lines.append(f"{no_leader} tổ chưa có tổ trưởng nên không ai nhận được.")
    lines.append("Mỗi tổ chỉ được nhắc một lần trong kỳ.")
    return rich("\n").join(lines)


def r_nudged(units: int, leaders: int, already: int, no_leader: int) -> Rich:
    lines: list[Rich | str] = [
        bold(f"Đã gửi lời nhắc tới {leaders} tổ trưởng của {units} tổ")
        if units
        else bold("Không có tổ nào cần nhắc thêm")
    ]
    if already:
        lines.append(f"{already} tổ đã được nhắc trong kỳ này.")
    if no_leader:
        lines.append(f"{no_leader} tổ chưa có tổ trưởng: mời tổ trưởng bằng /moi.")
    lines.append("Gõ /chuabaocao để xem lại danh sách.")
    return rich("\n").join(lines)


def r_silent_line(unit_name: str, leaders: list[str]) -> str:
    who = ", ".join(leaders) if leaders else "chưa có tổ trưởng"
    return f"• {unit_name} — {who}"


def r_all_reported(period: str, total: int) -> Rich:
    return rich(f"Cả {total} tổ đã có báo cáo {period}.")


R_NO_UNITS = "Chưa có tổ dân phố nào trên Loa Phường."


# -- misinformation tips (/baotin)
def tip_too_many(limit: int) -> str:
    return (
        f"Anh/chị đã gửi {limit} tin trong một giờ qua, cảm ơn anh/chị. Cán bộ phường đang "
        "xem các tin đó; anh/chị gửi tiếp sau ít phút nữa nhé."
    )


TIP_NOT_REGISTERED = (
    "Chức năng báo tin dành cho người đã đăng ký với Loa Phường. Anh/chị gõ /dangky để "
    "đăng ký trước."
)
TIP_ASK = rich(
    bold("Báo tin sai sự thật"),
    "\nAnh/chị dán nội dung hoặc đường link, chuyển tiếp tin nhắn, "
    "hoặc gửi ảnh chụp màn hình bài viết đáng ngờ. Gõ /huy để dừng.",
)
TIP_ASK_NOTE = (
    "Anh/chị muốn ghi chú thêm không, ví dụ: thấy trong nhóm Zalo của khu phố sáng nay? "
    "Gõ ghi chú, hoặc chọn Không cần ghi chú."
)
TIP_BTN_NO_NOTE = "Không cần ghi chú"
TIP_UNSUPPORTED = (
    "Loa Phường nhận chữ, đường link, tin chuyển tiếp hoặc ảnh chụp màn hình. Anh/chị gửi lại "
    "một trong các dạng đó, hoặc gõ /huy để dừng."
)
TIP_CANCELLED = "Đã dừng báo tin. Không có gì được gửi đi."
TIP_KIND_LABELS = {
    "text": "Nội dung dán vào",
    "link": "Đường link",
    "forward": "Tin chuyển tiếp",
    "photo": "Ảnh chụp màn hình",
}
TIP_BTN_HANDLED = "Đã xử lý"


def tip_received(number: int) -> Rich:
    return rich(
        bold(f"Đã nhận tin báo số {number}"),
        "\nCảm ơn anh/chị. Cán bộ phường sẽ xem xét, xử lý và báo lại khi xong.",
    )


def tip_card(
    number: int, reporter: str, kind: str, content: str, origin: str, note: str, when: str
) -> Rich:
    lines: list[Rich | str] = [rich(bold(f"Tin báo số {number}"), f" · {kind}")]
    lines.append(f"Người báo: {reporter}")
    if origin:
        lines.append(f"Chuyển tiếp từ: {origin}")
    lines.append(f"Lúc: {when}")
    if content:
        lines.append(f"\n{content}")
    if note:
        lines.append(f"\nGhi chú: {note}")
    return rich("\n").join(lines)


def tip_handled_line(who: str, when: str, outcome: str = "", note: str = "") -> str:
    line = f"\n\n✅ Đã xử lý ({who}, {when})."
    if outcome:
        line += f"\nKết quả: {TIP_OUTCOMES.get(outcome, outcome)}."
    if note:
        line += f"\nGhi chú của cán bộ: {note}"
    return line


# What was done about a tip, in the order offered; the resident is told the first three.
TIP_OUTCOMES = {
    "corrected": "Đã cải chính",
    "referred": "Chuyển cơ quan chức năng",
    "not_false": "Không phải tin sai",
    "other": "Khác",
}
_TIP_OUTCOME_FOR_RESIDENT = {
    "corrected": "Phường đã đăng thông tin cải chính.",
    "referred": "Phường đã chuyển tin tới cơ quan chức năng.",
    "not_false": "Sau khi xem xét, đây không phải tin sai.",
}
TIP_OUTCOME_NOTE_MAX = 300


def tip_ask_outcome(number: int) -> Rich:
    return rich(bold(f"Đóng tin báo số {number}"), "\nKết quả xử lý là gì?")


def tip_ask_outcome_note(number: int, outcome: str) -> Rich:
    return rich(
        bold(f"Tin báo số {number}: {TIP_OUTCOMES[outcome]}"),
        "\nAnh/chị gõ một ghi chú ngắn (đã cải chính ở đâu, chuyển cơ quan nào…),"
        " hoặc chọn “Không ghi chú”.",
    )


TIP_BTN_NO_OUTCOME_NOTE = "Không ghi chú"


def tip_outcome_note_too_long(length: int) -> str:
    return (
        f"Ghi chú dài {length} ký tự; tối đa {TIP_OUTCOME_NOTE_MAX}. Anh/chị gõ ngắn lại."
        " Kết quả đã chọn vẫn được giữ."
    )


def tip_closing_dropped(number: int) -> str:
    return f"Chưa đóng tin báo số {number}; tin vẫn chờ xử lý."


def tip_thanks(number: int, outcome: str = "") -> str:
    what = _TIP_OUTCOME_FOR_RESIDENT.get(outcome, "")
    return (
        f"Tin báo số {number} của anh/chị đã được cán bộ phường xử lý."
        + (f" {what}" if what else "")
        + " Cảm ơn anh/chị đã báo tin."
    )


def tip_already_handled(number: int) -> str:
    return f"Tin báo số {number} đã được xử lý rồi."


TIP_QUEUE_NONE = "Không có tin báo nào đang chờ xử lý."


def tip_queue(count: int, lines: list[str], more: int) -> Rich:
    tail = f"\n…và {more} tin khác." if more else ""
    return rich(
        bold(f"Tin báo chờ xử lý: {count}"),
        "\n" + "\n".join(lines) + tail + "\n\nChọn một tin để xem và đánh dấu đã xử lý.",
    )


def tip_queue_line(number: int, kind: str, when: str, preview: str) -> str:
    line = f"• Số {number} · {kind} · {when}"
    return f"{line}: {preview}" if preview.strip() else line  # no colon before nothing


def tip_btn(number: int) -> str:
    return f"Tin số {number}"


TIP_NOT_FOUND = "Không tìm thấy tin báo này."


# ---- broadcasts (issue 5: /guitin, /tinhtrang, /lich, /tatthongbao, the content calendar)
# Times arrive already formatted in the ward's time zone (see bot.schedule.bc_when).

BC_WEEKDAY_SHORT = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
BC_WEEKDAY_NAMES = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


def bc_number(n: int) -> str:
    """1250 → "1.250", as Vietnamese writes thousands."""
    return f"{n:,}".replace(",", ".")


def bc_when(weekday: int, hhmm: str, ddmmyyyy: str) -> str:
    return f"{hhmm} {BC_WEEKDAY_NAMES[weekday]} {ddmmyyyy}"


# -- composing
BC_PROMPT = rich(
    bold("Soạn tin gửi"),
    "\n\nAnh/chị gõ nội dung tin, viết như nội dung của phường: **chữ đậm**, mỗi ý một dòng "
    "bắt đầu bằng dấu gạch ngang (- ). Có thể gửi một ảnh hoặc một tệp, nội dung ghi ở "
    "phần chú thích.\n\n"
    "Hoặc chọn một nội dung có sẵn bên dưới. Gõ /huy để dừng.",
)
BC_PRIVATE_ONLY = "Anh/chị nhắn riêng cho Loa Phường rồi gõ /guitin để soạn tin."
BC_BTN_PICK = "📚 Chọn nội dung có sẵn"
BC_BTN_CANCEL = "Hủy"
BC_BTN_DONE = "Xong"
BC_EMPTY = (
    "Tin chưa có nội dung. Anh/chị gõ nội dung tin, ví dụ: **Họp tổ dân phố** tối thứ Bảy "
    "lúc 19:30."
)
BC_BAD_TEXT = (
    "Nội dung có ký hiệu định dạng chưa đúng. Anh/chị kiểm tra các dấu ** rồi gửi lại; "
    "tin đang soạn vẫn được giữ."
)


def bc_too_long(length: int, limit: int, caption: bool) -> str:
    where = " cho phần chú thích của ảnh hoặc tệp" if caption else ""
    return (
        f"Tin dài {bc_number(length)} ký tự, quá giới hạn {bc_number(limit)} ký tự của Telegram"
        f"{where}. Anh/chị rút gọn rồi gửi lại; tin đang soạn vẫn được giữ."
    )


def bc_media_title(kind: str) -> str:
    return "Ảnh" if kind == "photo" else "Tệp đính kèm"


def bc_item_more(command: str, position: int) -> str:
    """The last line of a content item sent as a broadcast (shown in italics)."""
    if command:
        return f"Đọc đầy đủ: gõ /{command} {position}"
    return "Xem thêm: gõ /noidung"


BC_PICK_KIND = rich(bold("Chọn nội dung có sẵn"), "\nAnh/chị chọn một loại nội dung.")
BC_PICK_ITEM = rich(
    bold("Chọn một mục"),
    "\nCác mục đang được cán bộ phường cập nhật chưa có trong danh sách.",
)

# -- audience
BC_AUDIENCE_PROMPT = rich(bold("Gửi cho ai?"), "\nAnh/chị chọn người nhận bên dưới.")
BC_AUD_LEADERS = "Tất cả tổ trưởng"
BC_AUD_GROUPS = "Tất cả nhóm tổ dân phố"
BC_AUD_UNITS = "Chọn tổ dân phố"
BC_AUD_EVERYONE = "Mọi người đã đăng ký"
BC_NO_UNITS = "Chưa có tổ dân phố nào trong danh sách. Cán bộ phường thêm tổ bằng /themto."
BC_PICK_A_UNIT = "Anh/chị chọn ít nhất một tổ dân phố."
BC_WHO_PROMPT = bold("Gửi cho ai trong các tổ đã chọn?")
BC_WHO_LEADERS = "Tổ trưởng"
BC_WHO_GROUPS = "Nhóm của tổ"
BC_WHO_BOTH = "Cả tổ trưởng và nhóm"
BC_WHO_RESIDENTS = "Người dân đã chọn tổ"
BC_WHO_ALL = "Tổ trưởng, nhóm và người dân"


def bc_units_prompt(page: int, pages: int) -> Rich:
    where = f" (trang {page}/{pages})" if pages > 1 else ""
    return rich(
        bold("Chọn tổ dân phố"),
        f"{where}\nChọn tên tổ, chọn lần nữa để bỏ; chọn đủ rồi thì chọn “Xong”.",
    )


def bc_btn_units_done(count: int) -> str:
    return f"Xong ({count} tổ)" if count else "Xong"


def bc_audience(
    kind: str, unit_names: list[str], leaders: bool, groups: bool, residents: bool = False
) -> str:
    """Who gets a broadcast (plain text)."""
    if kind == "leaders":
        return "tất cả tổ trưởng"
    if kind == "groups":
        return "tất cả nhóm tổ dân phố đã liên kết"
    if kind == "everyone":
        return "mọi người đã đăng ký nhận tin Loa Phường (người dân, tổ trưởng, cán bộ)"
    parts = [
        name
        for name, wanted in (
            ("tổ trưởng", leaders),
            ("nhóm", groups),
            ("người dân đã chọn tổ", residents),
        )
        if wanted
    ]
    who = " và ".join(parts) if len(parts) < 3 else f"{parts[0]}, {parts[1]} và {parts[2]}"
    shown = ", ".join(unit_names[:5])
    if len(unit_names) > 5:
        shown += f" và {len(unit_names) - 5} tổ khác"
    return f"{who} của {shown}"


def bc_audience_short(kind: str) -> str:
    return {
        "leaders": "tổ trưởng",
        "groups": "nhóm tổ dân phố",
        "units": "các tổ đã chọn",
        "everyone": "mọi người đã đăng ký",
    }.get(kind, kind)


def bc_audience_chosen(audience: str) -> Rich:
    return rich(f"Người nhận: {audience}.")


# -- preview card
BC_BTN_SEND = "Gửi ngay"
BC_BTN_LATER = "Hẹn giờ"
BC_BTN_AUDIENCE = "Đổi người nhận"
BC_BTN_URGENT = "⚡ Đánh dấu khẩn"
BC_BTN_NOT_URGENT = "Bỏ đánh dấu khẩn"


def bc_urgent_mark(ward: str) -> str:
    """The first line of an urgent broadcast, as recipients see it."""
    return f"⚡ TIN KHẨN — Phường {ward}"


def bc_card(audience: str, count: int, urgent: bool) -> Rich:
    lines: list[Rich | str] = [
        rich(bold("Xem trước"), ": tin ở trên đúng như người nhận sẽ thấy."),
        f"Người nhận: {audience}.",
    ]
    if count:
        lines.append(bold(f"Sẽ gửi tới {bc_number(count)} người/nhóm."))
    else:
        lines.append("Hiện chưa có ai trong nhóm người nhận này.")
    if urgent:
        lines.append(
            "⚡ Tin khẩn: gửi trước các tin khác, gửi cả trong giờ nghỉ đêm và tới "
            "người đã tắt thông báo; đầu tin có dòng “⚡ TIN KHẨN” và tên phường."
        )
    lines.append("")
    if count:
        lines.append("Anh/chị chọn Gửi ngay, Hẹn giờ hoặc Hủy.")
    else:
        lines.append("Anh/chị đổi người nhận, hoặc Hẹn giờ để gửi sau.")
    return rich("\n").join(lines)


BC_CANCELLED = "Đã hủy tin đang soạn. Gõ /guitin khi cần soạn tin mới."
BC_STALE = (
    "Nút này đã cũ. Anh/chị gõ /guitin để soạn tin mới hoặc /tinhtrang để xem các tin đã gửi."
)


# -- Hẹn giờ
def bc_when_prompt(example: str) -> Rich:
    """`example`: tomorrow morning, so the bot's own example is always accepted."""
    return rich(
        bold("Hẹn giờ gửi"),
        f"\nAnh/chị gõ ngày và giờ gửi (giờ Việt Nam), ví dụ {example}, hoặc 7/12 19:30,"
        " hoặc mai 7h30.",
    )


KEPT = "Tin đang soạn vẫn được giữ."
BC_WHEN_BAD = "Ngày giờ chưa đúng. Anh/chị gõ ngày rồi giờ"


def bc_when_bad(example: str) -> str:
    return f"{BC_WHEN_BAD}, ví dụ {example} hoặc mai 7h30. {KEPT}"


def bc_when_no_time(example: str) -> str:
    return f"Anh/chị gõ thêm giờ gửi sau ngày, ví dụ {example}. {KEPT}"


BC_WHEN_PAST = f"Thời điểm này đã qua. Anh/chị gõ một ngày giờ sắp tới. {KEPT}"


def bc_when_too_far(last_day: str) -> str:
    return f"Chỉ hẹn được trong vòng một năm tới (đến hết {last_day}). {KEPT}"


def bc_when_quiet(chosen: str, quiet: tuple[str, str], goes_at: str) -> Rich:
    return rich(
        bold(f"{chosen} là giờ nghỉ đêm"),
        f"\nTừ {quiet[0]} đến {quiet[1]} bot không gửi tin không khẩn, để không làm phiền bà"
        f" con. Nếu giữ giờ này, tin sẽ đi lúc {goes_at}.\nAnh/chị gõ giờ khác, hoặc chọn"
        " bên dưới.",
    )


def bc_btn_quiet_ok(hhmm: str) -> str:
    return f"Đồng ý, gửi lúc {hhmm}"


def bc_until_prompt(rule: str, example: str) -> Rich:
    return rich(
        bold("Gửi đến ngày nào?"),
        f"\nLịch: {rule}.\nAnh/chị gõ ngày gửi lần cuối, ví dụ {example}, hoặc chọn"
        " “Không có ngày kết thúc”.",
    )


BC_BTN_NO_END = "Không có ngày kết thúc"
BC_UNTIL_BAD = "Ngày chưa đúng. Anh/chị gõ ngày/tháng/năm, ví dụ"


def bc_until_bad(example: str) -> str:
    return f"{BC_UNTIL_BAD} {example}. {KEPT}"


def bc_until_before(first: str) -> str:
    return f"Ngày kết thúc phải từ ngày gửi đầu ({first}) trở đi. {KEPT}"


BC_REPEAT_ONCE = "Một lần"
BC_REPEAT_DAILY = "Hằng ngày"
BC_REPEAT_WEEKLY = "Hằng tuần (chọn thứ)"
BC_REPEAT_MONTHLY = "Hằng tháng"
BC_WEEKDAYS_PROMPT = rich(
    bold("Gửi vào những thứ nào?"),
    "\nChọn các thứ trong tuần, chọn lần nữa để bỏ; chọn đủ rồi thì chọn “Xong”.",
)
BC_PICK_A_DAY = "Anh/chị chọn ít nhất một thứ trong tuần."


def bc_repeat_prompt(when: str) -> Rich:
    return rich(bold(f"Gửi lúc {when}"), "\nAnh/chị muốn gửi một lần hay lặp lại?")


def bc_rule(
    repeat: str,
    hhmm: str,
    weekdays: tuple[int, ...],
    month_day: int,
    once_date: str,
    until: str = "",
) -> str:
    """ "07:30 thứ Hai hằng tuần", "07:30 hằng ngày đến hết 31/12/2026"…"""
    end = f" đến hết {until}" if until else ""
    if repeat == "daily":
        return f"{hhmm} hằng ngày{end}"
    if repeat == "weekly":
        days = ", ".join(BC_WEEKDAY_NAMES[d] for d in sorted(weekdays))
        return f"{hhmm} {days} hằng tuần{end}"
    if repeat == "monthly":
        return f"{hhmm} ngày {month_day} hằng tháng{end}"
    return f"{hhmm} ngày {once_date}"


def bc_scheduled(
    schedule_id: int, rule: str, first: str | None, held: bool, quiet: tuple[str, str]
) -> Rich:
    lines: list[Rich | str] = [bold(f"Đã hẹn giờ (lịch số {schedule_id})"), f"Gửi {rule}."]
    if first:
        lines.append(f"Lần gửi đầu: {first}.")
    if held:
        lines.append(
            f"Giờ đã chọn nằm trong giờ nghỉ đêm ({quiet[0]}–{quiet[1]}) nên tin không khẩn "
            f"sẽ chờ tới {quiet[1]}."
        )
    lines.append("\nXem, tạm dừng hoặc xóa lịch: /lich")
    return rich("\n").join(lines)


# -- progress and reports


def bc_progress(
    broadcast_id: int, sent: int, total: int, gone: int, failed: int, done: bool
) -> Rich:
    extra = ""
    if gone:
        extra += f" · {bc_number(gone)} đã chặn bot hoặc rời nhóm"
    if failed:
        extra += f" · {bc_number(failed)} lỗi"
    if done:
        return rich(
            bold(f"Tin số {broadcast_id}: đã gửi xong"),
            f"\nĐã gửi {bc_number(sent)}/{bc_number(total)}{extra}.",
        )
    return rich(
        bold(f"Tin số {broadcast_id}: đang gửi"),
        f"\nĐã gửi {bc_number(sent)}/{bc_number(total)}…{extra}",
    )


def bc_report(
    broadcast_id: int,
    title: str,
    total: int,
    sent: int,
    gone: int,
    failed: int,
    waiting: int,
    errors: tuple[tuple[str, int], ...],
    done: bool,
) -> Rich:
    lines: list[Rich | str] = [bold(f"Báo cáo tin số {broadcast_id}")]
    if title:
        lines.append(f"“{title}”")
    lines.append(f"• Đã gửi tới người nhận: {bc_number(sent)}/{bc_number(total)}")
    if gone:
        lines.append(
            f"• Đã chặn bot, rời nhóm hoặc không còn tài khoản: {bc_number(gone)} "
            "(Loa Phường không gửi tiếp cho họ)"
        )
    if failed:
        lines.append(f"• Lỗi, chưa gửi được: {bc_number(failed)}")
        reasons: dict[str, int] = {}
        for description, count in errors:  # two wordings of one cause are one line
            reason = failure_reason(description)
            reasons[reason] = reasons.get(reason, 0) + count
        for reason, count in sorted(reasons.items(), key=lambda r: -r[1])[:5]:
            lines.append(f"   – {reason} ({bc_number(count)})")
    if waiting:
        lines.append(f"• Đang chờ gửi: {bc_number(waiting)}")
    lines.append("")
    if done and failed:
        lines.append("Chọn Gửi lại bên dưới để gửi lại cho những người/nhóm bị lỗi.")
    elif done:
        lines.append("Gõ /tinhtrang để xem các tin khác.")
    else:
        lines.append(f"Tin đang được gửi. Gõ /tinhtrang {broadcast_id} để xem lại.")
    return rich("\n").join(lines)


# What the platform said (its own English words, kept in the log) → what it means for the
# official and what to do. Matched by a lower-case fragment, first match wins.
_FAILURE_REASONS = (
    ("parse entities", "Định dạng của tin không hợp lệ. Soạn lại tin rồi gửi lại."),
    ("too long", "Tin dài quá mức Telegram cho phép. Rút ngắn tin rồi gửi lại."),
    ("caption", "Chú thích dưới ảnh dài quá. Rút ngắn chú thích rồi gửi lại."),
    ("file", "Ảnh hoặc tệp đính kèm không gửi được. Gửi lại tin với ảnh, tệp khác."),
    ("not available to send", "Ảnh hoặc tệp đính kèm không còn. Gửi lại tin với ảnh, tệp khác."),
    ("too many requests", "Telegram yêu cầu gửi chậm lại. Chọn Gửi lại sau ít phút."),
    ("gateway", "Telegram tạm thời không nhận tin. Chọn Gửi lại sau ít phút."),
    ("internal", "Telegram tạm thời không nhận tin. Chọn Gửi lại sau ít phút."),
    ("timed out", "Telegram không trả lời kịp. Chọn Gửi lại sau ít phút."),
    ("timeout", "Telegram không trả lời kịp. Chọn Gửi lại sau ít phút."),
    ("network", "Mất kết nối tới Telegram. Chọn Gửi lại sau ít phút."),
    ("rights", "Bot không có quyền gửi tin trong nhóm này. Nhờ quản trị nhóm cấp quyền."),
    ("not enough", "Bot không có quyền gửi tin trong nhóm này. Nhờ quản trị nhóm cấp quyền."),
)
FAILURE_OTHER = "Telegram không nhận tin này. Chọn Gửi lại; nếu vẫn lỗi, báo quản trị viên."


def failure_reason(description: str) -> str:
    """Why a send failed, in Vietnamese, with what to do; never the platform's own words."""
    found = description.lower()
    return next((reason for key, reason in _FAILURE_REASONS if key in found), FAILURE_OTHER)


def bc_btn_retry(count: int) -> str:
    return f"Gửi lại cho người lỗi ({bc_number(count)})"


def bc_retrying(count: int) -> str:
    return f"Đang gửi lại {bc_number(count)} tin."


BC_NOTHING_TO_RETRY = "Không còn tin lỗi nào để gửi lại."
BC_NONE_YET = "Chưa có tin nào được gửi. Gõ /guitin để soạn tin."


def bc_no_such(arg: str) -> Rich:
    return rich(f"Không có tin số {arg}. Gõ /tinhtrang để xem các tin gần đây.")


def bc_status_line(
    broadcast_id: int, when: str, title: str, sent: int, total: int, done: bool, scheduled: bool
) -> str:
    state = "đã gửi" if done else "đang gửi"
    origin = " (theo lịch)" if scheduled else ""
    return (
        f"• Số {broadcast_id} · {when} · “{title}”{origin} — "
        f"{state} {bc_number(sent)}/{bc_number(total)}"
    )


def bc_status_list(lines: list[str]) -> Rich:
    return rich(
        bold("Các tin gửi gần đây"),
        "\n" + "\n".join(lines) + "\n\nChọn một tin để xem báo cáo, hoặc gõ /tinhtrang và số tin.",
    )


def bc_btn_detail(broadcast_id: int) -> str:
    return f"Tin số {broadcast_id}"


# -- residents' notifications
NOTIF_GROUP_ALWAYS = (
    "Nhóm tổ dân phố luôn nhận các thông báo của phường. Muốn tắt thông báo cho riêng mình, "
    "anh/chị nhắn riêng cho Loa Phường và gõ /tatthongbao."
)
NOTIF_NOT_REGISTERED = (
    "Anh/chị chưa đăng ký với Loa Phường nên không nhận thông báo nào. Muốn nhận, "
    "anh/chị gõ /dangky."
)


def notifications_set(on: bool, operational: bool) -> Rich:
    if on:
        text = rich(
            bold("Đã bật thông báo"),
            "\nAnh/chị sẽ nhận các tin của phường qua Loa Phường. Muốn tắt, gõ /tatthongbao.",
        )
    else:
        text = rich(
            bold("Đã tắt thông báo"),
            "\nLoa Phường không gửi các tin thường cho anh/chị nữa; "
            "tin khẩn của phường vẫn được gửi. Muốn bật lại, gõ /batthongbao.",
        )
    if operational:
        text += "\nAnh/chị là tổ trưởng hoặc cán bộ nên vẫn nhận các thông báo công việc."
    return text


# -- /lich
LICH_TITLE = "Lịch gửi tin"
LICH_EMPTY = rich(
    bold(LICH_TITLE),
    "\nChưa có lịch nào. Gõ /guitin, soạn tin rồi chọn Hẹn giờ để tạo lịch.",
)
LICH_BTN_DELETE_YES = "Xóa lịch"


def lich_list(lines: list[Rich]) -> Rich:
    return rich(
        bold(LICH_TITLE),
        "\n\n",
        rich("\n\n").join(lines),
        "\n\nChọn bên dưới để tạm dừng, tiếp tục, sửa hoặc xóa một lịch.",
    )


def lich_line(
    schedule_id: int,
    title: str,
    calendar: bool,
    rule: str,
    audience: str,
    urgent: bool,
    paused: bool,
    upcoming: str | None,
    last: tuple[str, str, int | None] | None,
) -> Rich:
    origin = " (lịch nội dung của phường)" if calendar else ""
    lines: list[Rich | str] = [
        rich(bold(f"Lịch số {schedule_id}"), f": {title}{origin}"),
        f"• Gửi {rule} tới {audience}{' · khẩn' if urgent else ''}",
    ]
    if paused:
        lines.append("• Đang tạm dừng")
    elif upcoming:
        lines.append(f"• Lần tới: {upcoming}")
    else:
        lines.append("• Không còn lần gửi nào")
    if last is not None:
        when, result, broadcast_id = last
        what = {
            "sent": f"đã gửi (tin số {broadcast_id})",
            "missed": "bị lỡ vì Loa Phường không chạy đúng giờ",
            "nothing": "không có nội dung để gửi",
        }.get(result, result)
        lines.append(f"• Lần trước: {when}, {what}")
    return rich("\n").join(lines)


def lich_btn_pause(schedule_id: int) -> str:
    return f"⏸ Tạm dừng số {schedule_id}"


def lich_btn_resume(schedule_id: int) -> str:
    return f"▶ Tiếp tục số {schedule_id}"


def lich_btn_delete(schedule_id: int) -> str:
    return f"🗑 Xóa số {schedule_id}"


def lich_btn_edit(schedule_id: int) -> str:
    return f"✏️ Sửa số {schedule_id}"


def lich_edit(schedule_id: int, title: str, rule: str) -> Rich:
    return rich(
        bold(f"Sửa lịch số {schedule_id}"),
        f"\n{title}\nĐang gửi: {rule}.\nAnh/chị muốn sửa gì?",
    )


LICH_BTN_TIME = "Đổi giờ gửi"
LICH_BTN_END = "Đặt ngày kết thúc"
LICH_BTN_NO_END = "Bỏ ngày kết thúc"
LICH_BTN_LIST = "Xem các lịch"
LICH_EDIT_BUSY = "Anh/chị đang soạn một tin. Gửi tin đó hoặc gõ /huy, rồi sửa lịch."
LICH_TIME_BAD = "Giờ chưa đúng. Anh/chị gõ giờ:phút, ví dụ 19:30 hoặc 7h30. Lịch chưa thay đổi."
LICH_END_PAST = "Ngày này đã qua. Anh/chị gõ hôm nay hoặc một ngày sắp tới. Lịch chưa thay đổi."


def lich_time_prompt(current: str) -> Rich:
    return rich(
        bold("Đổi giờ gửi"),
        f"\nĐang gửi lúc {current}. Anh/chị gõ giờ mới, ví dụ 19:30 hoặc 7h30.",
    )


def lich_end_prompt(example: str) -> Rich:
    return rich(
        bold("Ngày kết thúc"),
        f"\nAnh/chị gõ ngày gửi lần cuối, ví dụ {example}. Sau ngày đó lịch tự dừng.",
    )


def lich_end_bad(example: str) -> str:
    return f"Ngày chưa đúng. Anh/chị gõ ngày/tháng/năm, ví dụ {example}. Lịch chưa thay đổi."


def lich_edited(schedule_id: int, rule: str, upcoming: str | None, paused: bool) -> Rich:
    lines: list[Rich | str] = [bold(f"Đã sửa lịch số {schedule_id}"), f"Gửi {rule}."]
    if paused:
        lines.append("Lịch đang tạm dừng; gõ /lich để cho chạy lại.")
    elif upcoming:
        lines.append(f"Lần tới: {upcoming}.")
    else:
        lines.append("Không còn lần gửi nào.")
    return rich("\n").join(lines)


def lich_confirm_delete(schedule_id: int, title: str) -> Rich:
    return rich(
        bold(f"Xóa lịch số {schedule_id}?"), f"\n{title}\nLịch đã xóa sẽ không gửi tin nữa."
    )


def lich_done(state: str, schedule_id: int) -> str:
    return {
        "paused": f"Đã tạm dừng lịch số {schedule_id}.",
        "active": f"Đã tiếp tục lịch số {schedule_id}.",
        "deleted": f"Đã xóa lịch số {schedule_id}.",
    }.get(state, "")


# -- content calendar problems (content/lich.toml), each (problem, fix)
CAL_BAD_ID = (
    "thiếu id hoặc id không hợp lệ.",
    'ghi id bằng chữ thường không dấu, số và dấu gạch ngang, ví dụ id = "nhiem-vu-hang-tuan".',
)
CAL_BAD_TITLE = ("thiếu title.", 'ghi tên lịch, ví dụ title = "Mỗi tuần một nhóm nhiệm vụ".')
CAL_BAD_REPEAT = (
    "repeat không hợp lệ.",
    'ghi repeat = "once", "daily", "weekly" hoặc "monthly".',
)
CAL_BAD_TIME = ("time không đúng dạng giờ:phút.", 'ghi time = "07:30".')
CAL_BAD_DAYS = ("days không hợp lệ.", 'với repeat = "weekly", ghi days = ["T2"] (T2 … T7, CN).')
CAL_BAD_DAY = ("day không hợp lệ.", 'với repeat = "monthly", ghi day = 1 (từ 1 đến 31).')
CAL_BAD_DATE = (
    "date không đúng dạng ngày/tháng/năm.",
    'với repeat = "once", ghi date = "06/04/2026".',
)
CAL_BAD_CONTENT = (
    "cần đúng một trong hai khóa next_of hoặc item.",
    'ghi next_of = "task_group" (lần lượt từng mục) hoặc item = "muc-tieu-2030" (một mục).',
)
CAL_BAD_AUDIENCE = (
    "audience không hợp lệ.",
    'ghi audience = "groups", "leaders" hoặc "everyone".',
)
CAL_BAD_URGENT = ("urgent phải là true hoặc false.", "ghi urgent = false.")
CAL_BAD_TOP = ("tệp chỉ được chứa các khối [[push]].", "mỗi lịch viết thành một khối [[push]].")
CAL_DUPLICATE_ID = ("id bị trùng với một lịch khác.", "đặt cho mỗi lịch một id riêng.")


def cal_unknown_keys(keys: list[str]) -> tuple[str, str]:
    return (
        "khóa không được hỗ trợ: " + ", ".join(keys) + ".",
        "xóa khóa này hoặc sửa lỗi chính tả.",
    )


def cal_unknown_kind(kind: str) -> tuple[str, str]:
    return (
        f"không có loại nội dung “{kind}”.",
        "dùng một tên sau kinds. trong pack.toml, ví dụ task_group.",
    )


def cal_unknown_item(item_id: str) -> tuple[str, str]:
    return (
        f"không có mục nội dung “{item_id}”.",
        "dùng id của một tệp .md trong thư mục content.",
    )


def cal_unreadable(detail: str) -> tuple[str, str]:
    return (f"không đọc được tệp ({detail}).", "sửa tệp theo cú pháp TOML, lưu dạng UTF-8.")


def cal_problem(path: Path, number_in_file: int, problem: tuple[str, str]) -> str:
    where = f" [[push]] số {number_in_file}" if number_in_file else ""
    return f"{path}{where}: {problem[0]} — Cách sửa: {problem[1]}"


# ---- hardening (issue 9): inputs, names, imports, private screens


def t_and_more(count: int) -> str:
    """After the first few names of a list cut short (plain text)."""
    return f"và {count} khác"


def _t_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 2.000: a dot groups thousands in Vietnamese


def t_mojibake(text: str, fixed: str) -> str:
    """A name double-encoded on the way (plain text; completes "Dòng N: …" or a chat answer)."""
    return (
        f"chữ bị lỗi bảng mã: “{text}”, đúng ra là “{fixed}”. Tệp chứa tên này đã bị mở sai "
        "bảng mã rồi lưu lại: mở lại tệp gốc (trong Excel: Dữ liệu → Từ Văn bản/CSV, bảng mã "
        "65001: Unicode (UTF-8)) rồi Lưu thành → CSV UTF-8, hoặc gõ lại tên cho đúng."
    )


def _t_import_advice() -> str:
    return (
        "Một phường chỉ có vài chục tổ dân phố: anh/chị kiểm tra lại có đúng tệp danh sách tổ "
        "không; nếu đúng, chia thành nhiều tệp nhỏ hơn rồi nhập lần lượt."
    )


def t_csv_too_big(max_bytes: int, max_rows: int) -> str:
    return (
        f"tệp lớn quá: mỗi lần nhập được tệp tối đa {_t_number(max_bytes // 1_000_000)} MB "
        f"(khoảng {_t_number(max_rows)} tổ). " + _t_import_advice()
    )


def t_csv_too_many_rows(max_rows: int) -> str:
    return (
        f"tệp có hơn {_t_number(max_rows)} tổ, mỗi lần nhập được tối đa "
        f"{_t_number(max_rows)} tổ. " + _t_import_advice()
    )


# ---- hardening (issue 9): start-up, files, lengths
# Start-up failures of `python -m bot run`, each printed as one config_error() line.
STARTUP_TOKEN_REFUSED = (
    "Telegram không nhận token này (token sai, đã bị thu hồi hoặc của bot khác)."
)


def startup_not_bot_api(url: str) -> str:
    return f"máy chủ {url} trả lời “Not Found”: không phải địa chỉ Bot API, hoặc token sai dạng."


STARTUP_FIX_BASE_URL = (
    "xóa dòng base_url để dùng Telegram, hoặc ghi đúng địa chỉ máy chủ Bot API, kết thúc bằng "
    '/bot, ví dụ "http://127.0.0.1:8081/bot"; nếu địa chỉ đã đúng, kiểm tra lại token.'
)


def startup_unreachable(where: str) -> str:
    return f"không kết nối được tới máy chủ Bot API {where}."


STARTUP_ZALO_TOKEN_REFUSED = "Zalo không nhận token này (token sai, đã bị đổi hoặc của bot khác)."
STARTUP_FIX_ZALO_URL = (
    "kiểm tra mạng, rồi kiểm tra [zalo] base_url: xóa dòng này để dùng địa chỉ mặc định của"
    " Zalo Bot Platform."
)
STARTUP_FIX_UNREACHABLE = (
    "kiểm tra mạng (và proxy HTTPS_PROXY nếu có), rồi kiểm tra base_url: xóa dòng này để dùng "
    'Telegram, hoặc ghi đúng máy và cổng, ví dụ "http://127.0.0.1:8081/bot".'
)


def startup_failed(detail: str) -> str:
    return (
        f"Bot đã dừng vì lỗi: {detail}. Cách sửa: đọc các dòng nhật ký ngay phía trên; "
        "chạy lại với LOA_LOG_LEVEL=DEBUG để có thêm chi tiết."
    )


STARTUP_BAD_LOG_LEVEL = "mức nhật ký không hợp lệ."
STARTUP_FIX_LOG_LEVEL = "đặt LOA_LOG_LEVEL là DEBUG, INFO, WARNING hoặc ERROR (mặc định INFO)."


# ---- numbered options (channels without buttons, bot/numbered.py)


def numbered_option(number: int, label: str) -> str:
    """One option line; plain text (no markup on such channels)."""
    return f"{number}. {label}"


def numbered_label(label: str) -> str:
    """An option of a screen that takes a typed number: picked by typing its label."""
    return f"• {label}"


def numbered_hint_by_label(label: str) -> str:
    return f"Hoặc gõ đúng chữ của lựa chọn, ví dụ: {label}"


def numbered_out_of_range(count: int) -> str:
    """A number beyond the options shown (on a screen that takes nothing else)."""
    return f"Chỉ có {count} lựa chọn. {numbered_hint(count)}"


def numbered_hint(count: int) -> str:
    if count == 1:
        return "Trả lời 1 để chọn."
    if count == 2:
        return "Trả lời 1 hoặc 2 để chọn."
    return f"Trả lời một số từ 1 đến {count} để chọn."


# ---------------------------------------------------------------- the demo (python -m bot demo)
DEMO_IN_GROUP = "Trong nhóm Telegram của tổ dân phố (bot Zalo chưa vào được nhóm):"
DEMO_ON_TELEGRAM = "Loa Phường — chạy thử với máy chủ Telegram mô phỏng tại"
DEMO_ON_ZALO = "Loa Phường — chạy thử trên Zalo, với máy chủ Zalo Bot Platform mô phỏng tại"
DEMO_RESIDENT_HEADER = "Gõ tin nhắn như một người dân, ví dụ /start, /muctieu, /dangky."
DEMO_ADMIN_HEADER = (
    "Gõ tin nhắn như quản trị viên của phường, ví dụ /canbo, /themto TDP01 Tổ 1, /moi TDP01,"
    " /guitin."
)
DEMO_HOW_TO = (
    "Gõ số để bấm nút của tin gần nhất có nút; gõ 'thoat' hoặc Ctrl+D để dừng. Mọi tin, mọi"
    " lần sửa tin và mọi thông báo nhỏ hiện ra ngay khi bot gửi."
)
DEMO_HOW_TO_ZALO = (
    "Trên Zalo không có nút: gõ số của một dòng để chọn; gõ 'thoat' hoặc Ctrl+D để dừng."
)
DEMO_TOUR_DONE = "Xong. Chạy với --interactive để tự trò chuyện với bot."
DEMO_INTERACTIVE_DONE = "Xong. Dữ liệu chạy thử đã được xóa."
DEMO_TOAST = "💬 (thông báo nhỏ)"
DEMO_ALERT = "⚠️ (hộp thông báo)"
DEMO_NO_ANSWER = "(Loa Phường không trả lời)"


# ---------------------------------------------------------------- Zalo
ZALO_PHOTO_NOT_SENT = "(Tin này có kèm ảnh; ảnh chưa gửi được qua Zalo, anh/chị xem trên Telegram.)"
ZALO_PHOTO_NOT_SENT_ALONE = "(Tin này có kèm ảnh; ảnh chưa gửi được qua Zalo.)"
ZALO_QR_NOT_SENT = (
    "(Ảnh mã QR không gửi qua Zalo được; người được mời chỉ cần gõ mã ở tin dưới đây.)"
)
