"""Every Vietnamese string a person sees, in one place so it can be reviewed in one sitting.

Voice (see docs/voice.md): "anh/chị" in private chats, "bà con" in groups; the first line says
what the message is; one idea per message; end with the next step. Functions here take
already-escaped HTML fragments where they say `_html`, and escape plain values themselves.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

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
COMMANDS_PRIVATE: tuple[tuple[str, str], ...] = (
    ("start", "Bắt đầu và mở menu"),
    ("muctieu", "Mục tiêu đến năm 2030"),
    ("chitieu", "Các chỉ tiêu chủ yếu"),
    ("nhiemvu", "12 nhóm nhiệm vụ, giải pháp"),
    ("dotpha", "3 đột phá chiến lược"),
    ("noidung", "Tất cả nội dung"),
    ("timkiem", "Tìm theo từ khóa"),
    ("help", "Hướng dẫn sử dụng"),
)
COMMANDS_GROUP: tuple[tuple[str, str], ...] = (
    ("muctieu", "Mục tiêu đến năm 2030"),
    ("nhiemvu", "12 nhóm nhiệm vụ, giải pháp"),
    ("dotpha", "3 đột phá chiến lược"),
    ("timkiem", "Tìm theo từ khóa"),
    ("help", "Hướng dẫn sử dụng"),
)

# ---------------------------------------------------------------- welcome and help


def welcome_private(first_name: str, ward: str) -> str:
    name = escape(first_name) if first_name else "anh/chị"
    return (
        f"<b>Chào {name}, đây là Loa Phường {escape(ward)}</b>\n\n"
        "Loa Phường giới thiệu ngắn gọn Chương trình hành động số 17-CTr/TU của Thành ủy "
        "Hải Phòng: mục tiêu đến năm 2030, các chỉ tiêu chủ yếu, 12 nhóm nhiệm vụ, giải pháp "
        "và 3 đột phá chiến lược.\n\n"
        "Anh/chị chọn một mục ở bảng bên dưới, hoặc gõ /help để xem hướng dẫn."
    )


def welcome_group(ward: str) -> str:
    return (
        f"<b>Loa Phường {escape(ward)} xin chào bà con</b>\n\n"
        "Mời bà con cùng tìm hiểu Chương trình hành động số 17-CTr/TU. Loa Phường chỉ lên "
        "tiếng khi được hỏi hoặc theo lịch của phường.\n\n"
        "• /muctieu — mục tiêu đến năm 2030\n"
        "• /nhiemvu — 12 nhóm nhiệm vụ, giải pháp\n"
        "• /dotpha — 3 đột phá chiến lược\n"
        "• /timkiem từ khóa — tìm nội dung"
    )


HELP_PRIVATE = (
    "<b>Hướng dẫn sử dụng Loa Phường</b>\n\n"
    "• /muctieu — mục tiêu tổng quát đến năm 2030\n"
    "• /chitieu — các chỉ tiêu chủ yếu\n"
    "• /nhiemvu — 12 nhóm nhiệm vụ, giải pháp\n"
    "• /dotpha — 3 đột phá chiến lược\n"
    "• /noidung — tất cả nội dung\n"
    "• /timkiem từ khóa — tìm nội dung, gõ có dấu hay không dấu đều được, "
    "ví dụ: /timkiem chuyen doi so\n\n"
    "Anh/chị cũng có thể bấm các nút ở bảng bên dưới."
)
HELP_GROUP = (
    "<b>Loa Phường trong nhóm</b>\n"
    "• /muctieu • /nhiemvu • /dotpha\n"
    "• /timkiem từ khóa, ví dụ: /timkiem chuyen doi so\n"
    "Nhắn riêng cho Loa Phường để xem đầy đủ hơn."
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
CONTENT_MENU_TITLE = "<b>Nội dung Chương trình hành động số 17-CTr/TU</b>"
CONTENT_MENU_NEXT = "Anh/chị chọn một mục bên dưới."
CONTENT_PENDING = "Nội dung này đang được cán bộ phường cập nhật."
NOT_PROVIDED_YET = "Nội dung này đang được cán bộ phường cập nhật. Anh/chị quay lại sau nhé."


def kind_list_title(label: str, total: int, pending: int) -> str:
    head = f"<b>{escape(label)}</b>"
    if pending:
        return (
            f"{head}\n\nChương trình có {total} mục; kế hoạch của phường mới nêu chi tiết "
            f"{total - pending} mục, các mục còn lại đang được cán bộ phường cập nhật.\n\n"
            "Chọn một mục bên dưới."
        )
    return f"{head}\n\nChọn một mục bên dưới."


def kind_list_group(label: str, lines_html: list[str], command: str) -> str:
    body = "\n".join(lines_html)
    return f"<b>{escape(label)}</b>\n{body}\n\nGõ /{command} số thứ tự để xem một mục, ví dụ /{command} 1."


def item_footer(source: str) -> str:
    return f"\n\n<i>Nguồn: Kế hoạch tuyên truyền của UBND phường, {escape(source)}.</i>"


def page_marker(page: int, total: int) -> str:
    return f"\n\n<i>Trang {page}/{total}</i>"


def item_number_out_of_range(command: str, count: int) -> str:
    return f"Chưa có mục số này. Anh/chị gõ /{command} và một số từ 1 đến {count}."


# ---------------------------------------------------------------- search
SEARCH_PROMPT = (
    "<b>Tìm kiếm</b>\nAnh/chị gõ từ khóa cần tìm, có dấu hay không dấu đều được. "
    "Ví dụ: chuyen doi so"
)
SEARCH_PROMPT_GROUP = "Bà con gõ /timkiem và từ khóa, ví dụ: /timkiem chuyen doi so"


def search_results(query: str, count: int) -> str:
    return (
        f"<b>Kết quả cho “{escape(query)}”</b>\n"
        f"Tìm thấy {count} mục. Chọn một mục bên dưới để đọc."
    )


def search_none(query: str) -> str:
    return (
        f"Chưa tìm thấy nội dung nào cho “{escape(query)}”. Anh/chị thử từ khóa ngắn hơn, "
        "ví dụ: đột phá, chuyển đổi số, môi trường."
    )


# ---------------------------------------------------------------- configuration (CLI, for officials)


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
CFG_EXPECTED_TIME = "phải là giờ dạng HH:MM."
CFG_EXPECTED_TIMES = "phải là danh sách giờ dạng HH:MM."
CFG_FIX_TIME = 'ghi dạng "07:30" (24 giờ).'
CFG_TOKEN_MISSING = "chưa có token của bot."
CFG_TOKEN_SHAPE = "token không đúng dạng 123456:ABC…"
CFG_FIX_TOKEN = (
    "lấy token từ @BotFather rồi ghi vào [telegram] token trong config.toml "
    "hoặc đặt biến môi trường BOT_TOKEN."
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

CONTENT_INVALID = "Nội dung trong thư mục content có lỗi, bot chưa khởi động:"
CONTENT_FIX_HINT = "Sửa các lỗi trên rồi chạy lại: python -m bot check-content"

# ---------------------------------------------------------------- permissions
NO_PERMISSION = "Chức năng này chỉ dành cho cán bộ phường."
